"""Matrix rows for issue 18 items 4-6: related persons, refusals, service use and risk flags.

All are case notes of a client: the professions who see the client read and write them (200/201 in
scope, 404 out of scope), peer supporters are refused (403 in scope), and every role without
client data gets the 404 of an unseen client."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from api.db.models import CareTeamMember, ClientRefusal, RelatedPerson, RelatedPersonLink, RiskFlag, ServiceUse
from api.domain.fiscal import today_tokyo
from tests.authz import Call, RouteCase, expect
from tests.authz.cases import V1, client_path, visible, with_body
from tests.scenario import make_client

PROFESSIONALS_ONLY = {"peer_supporter": (403, 404)}
PROS = visible(200, **PROFESSIONALS_ONLY)
PROS_CREATE = visible(201, **PROFESSIONALS_ONLY)


def _client(ctx: Any, in_scope: bool) -> Any:
    return ctx.scenario.client_in if in_scope else ctx.scenario.client_out


async def _person(ctx: Any, in_scope: bool, *, linked: bool = False) -> RelatedPerson:
    client = _client(ctx, in_scope)
    person = RelatedPerson(id=uuid.uuid4(), client_id=client.id, name="母", relationship="mother",
                           lives_in_household=True)
    ctx.db.add(person)
    await ctx.db.flush()
    if linked:
        ctx.db.add(RelatedPersonLink(related_person_id=person.id, linked_client_id=(await _seen_by_all(ctx)).id))
        await ctx.db.flush()
    return person


async def _seen_by_all(ctx: Any) -> Any:
    """Another Karasuyama client on the care team of every professional of the world."""
    other = make_client("karasuyama", "山田 和子", "ヤマダ カズコ", date(1960, 1, 2))
    ctx.db.add(other)
    await ctx.db.flush()
    day = today_tokyo() - timedelta(days=1)
    for name, role in (("caseworker", "caseworker"), ("mental_care_worker", "mental_care_worker"),
                       ("public_health_nurse", "public_health_nurse"), ("coordinator", "coordinator"),
                       ("peer_supporter", "peer_supporter")):
        ctx.db.add(CareTeamMember(client_id=other.id, user_id=ctx.world.users[name], team_role=role, from_date=day))
    await ctx.db.flush()
    return other


async def _person_get(ctx: Any, in_scope: bool) -> Call:
    p = await _person(ctx, in_scope)
    return Call(path=f"/v1/clients/{p.client_id}/related-persons/{p.id}")


async def _person_patch(ctx: Any, in_scope: bool) -> Call:
    p = await _person(ctx, in_scope)
    return Call(path=f"/v1/clients/{p.client_id}/related-persons/{p.id}", json={"note": "統合失調症"},
                headers=dict(V1))


async def _link(ctx: Any, in_scope: bool) -> Call:
    p = await _person(ctx, in_scope)
    other = await _seen_by_all(ctx)
    return Call(path=f"/v1/clients/{p.client_id}/related-persons/{p.id}/link",
                json={"linked_client_id": str(other.id)})


async def _unlink(ctx: Any, in_scope: bool) -> Call:
    p = await _person(ctx, in_scope, linked=True)
    return Call(path=f"/v1/clients/{p.client_id}/related-persons/{p.id}/link")


async def _refusal_end(ctx: Any, in_scope: bool) -> Call:
    client = _client(ctx, in_scope)
    r = ClientRefusal(id=uuid.uuid4(), client_id=client.id, team_role="public_health_nurse",
                      refused_on=today_tokyo() - timedelta(days=10), source="client")
    ctx.db.add(r)
    await ctx.db.flush()
    return Call(path=f"/v1/clients/{client.id}/refusals/{r.id}/end", json={"reason": "本人が了承"}, headers=dict(V1))


async def _use_patch(ctx: Any, in_scope: bool) -> Call:
    client = _client(ctx, in_scope)
    u = ServiceUse(id=uuid.uuid4(), client_id=client.id, kind="workshop", provider_name="作業所",
                   started_on=today_tokyo() - timedelta(days=30))
    ctx.db.add(u)
    await ctx.db.flush()
    return Call(path=f"/v1/clients/{client.id}/service-uses/{u.id}", json={"days_per_week": 3}, headers=dict(V1))


async def _flag_patch(ctx: Any, in_scope: bool) -> Call:
    client = _client(ctx, in_scope)
    f = RiskFlag(id=uuid.uuid4(), client_id=client.id, code="sudden_departure",
                 raised_on=today_tokyo() - timedelta(days=30), review_on=today_tokyo())
    ctx.db.add(f)
    await ctx.db.flush()
    return Call(path=f"/v1/clients/{client.id}/risk-flags/{f.id}",
                json={"review_on": (today_tokyo() + timedelta(days=30)).isoformat()}, headers=dict(V1))


async def _due(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/risk-flags/due")


RELATED = {"name": "次郎", "relationship": "sibling", "lives_in_household": True}
REFUSAL = {"team_role": "public_health_nurse", "refused_on": "2026-01-05", "source": "client"}
USE = {"kind": "workshop", "provider_name": "作業所 ひなた工房", "started_on": "2026-01-05"}
FLAG = {"code": "sudden_departure", "review_on": "2099-01-05"}
PROFESSIONAL_ROLES = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator")

CASES = [
    RouteCase("GET", "/v1/clients/{client_id}/related-persons", client_path("/related-persons"), PROS),
    RouteCase("POST", "/v1/clients/{client_id}/related-persons",
              with_body(client_path("/related-persons"), RELATED), PROS_CREATE),
    RouteCase("GET", "/v1/clients/{client_id}/related-persons/{person_id}", _person_get, PROS),
    RouteCase("PATCH", "/v1/clients/{client_id}/related-persons/{person_id}", _person_patch, PROS),
    RouteCase("PUT", "/v1/clients/{client_id}/related-persons/{person_id}/link", _link, PROS),
    RouteCase("DELETE", "/v1/clients/{client_id}/related-persons/{person_id}/link", _unlink,
              visible(204, **PROFESSIONALS_ONLY)),
    RouteCase("GET", "/v1/clients/{client_id}/refusals", client_path("/refusals"), PROS),
    RouteCase("POST", "/v1/clients/{client_id}/refusals", with_body(client_path("/refusals"), REFUSAL), PROS_CREATE),
    RouteCase("POST", "/v1/clients/{client_id}/refusals/{refusal_id}/end", _refusal_end, PROS),
    RouteCase("GET", "/v1/clients/{client_id}/service-uses", client_path("/service-uses"), PROS),
    RouteCase("POST", "/v1/clients/{client_id}/service-uses", with_body(client_path("/service-uses"), USE),
              PROS_CREATE),
    RouteCase("PATCH", "/v1/clients/{client_id}/service-uses/{use_id}", _use_patch, PROS),
    RouteCase("GET", "/v1/clients/{client_id}/risk-flags", client_path("/risk-flags"), PROS),
    RouteCase("POST", "/v1/clients/{client_id}/risk-flags", with_body(client_path("/risk-flags"), FLAG), PROS_CREATE),
    RouteCase("PATCH", "/v1/clients/{client_id}/risk-flags/{flag_id}", _flag_patch, PROS),
    RouteCase("GET", "/v1/risk-flags/due", _due,
              expect(403, anonymous=401, **dict.fromkeys(PROFESSIONAL_ROLES, 200))),
]
