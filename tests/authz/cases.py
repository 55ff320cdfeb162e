"""Matrix rows for clients, consents, care teams, episodes, goals, activities, reference lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from tests.authz import Call, RouteCase, expect, fixed

V1 = {"If-Match": '"1"'}
NO_CLIENT_DATA = {"admin": 404, "partner": 404, "secretariat": 404, "analyst": 404, "auditor": 404, "anonymous": 401}
LIST_REFUSED = {"admin": 403, "partner": 403, "secretariat": 403, "analyst": 403, "auditor": 403, "anonymous": 401}
CARE = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator", "peer_supporter")


def visible(ok: int, **others: Any) -> dict[str, tuple[int, int]]:
    """ok in scope and 404 out of scope for everyone who sees client records; 404/401 for the rest."""
    per_role: dict[str, Any] = {role: (ok, 404) for role in CARE}
    per_role.update(NO_CLIENT_DATA)
    per_role.update({k: (v, 404) if isinstance(v, int) else v for k, v in others.items()})
    return expect(404, **per_role)


def client_path(suffix: str = "") -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
        return Call(path=f"/v1/clients/{client.id}{suffix}")

    return build


def episode_path(suffix: str = "", **kw: Any) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        episode = ctx.scenario.episode_in if in_scope else ctx.scenario.episode_out
        return Call(path=f"/v1/episodes/{episode.id}{suffix}", **kw)

    return build


def with_body(builder: Any, body: Any, headers: dict[str, str] | None = None) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        call = await builder(ctx, in_scope)
        call.json = body(ctx, in_scope) if callable(body) else body
        call.headers.update(headers or {})
        return call

    return build


async def _new_client(ctx: Any, in_scope: bool) -> Call:
    return Call(
        path="/v1/clients",
        json={
            "name": "新規 太郎",
            "kana": "しんき たろう",
            "date_of_birth": "1975-04-01",
            "sex": "male",
            "branch_code": "karasuyama" if in_scope else "setagaya",
            "residence_type": "apartment",
        },
    )


async def _member(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    return Call(
        path=f"/v1/clients/{client.id}/care-team",
        json={"user_id": str(ctx.world.users["caseworker2"]), "team_role": "caseworker"},
    )


async def _end_member(ctx: Any, in_scope: bool) -> Call:
    m = ctx.scenario.member_in if in_scope else ctx.scenario.member_out
    return Call(path=f"/v1/clients/{m.client_id}/care-team/{m.id}/end", json={}, headers=dict(V1))


async def _withdraw(ctx: Any, in_scope: bool) -> Call:
    c = ctx.scenario.consent_in if in_scope else ctx.scenario.consent_out
    return Call(
        path=f"/v1/clients/{c.client_id}/consents/{c.id}/withdraw", json={"reason": "本人の希望"}, headers=dict(V1)
    )


async def _propose(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    return Call(
        path="/v1/episodes", json={"client_id": str(client.id), "programme_code": ctx.scenario.ward_programme.code}
    )


async def _goal_patch(ctx: Any, in_scope: bool) -> Call:
    g = ctx.scenario.goal_in if in_scope else ctx.scenario.goal_out
    return Call(path=f"/v1/episodes/{g.episode_id}/goals/{g.id}", json={"status": "achieved"}, headers=dict(V1))


async def _worker_day(ctx: Any, in_scope: bool) -> Call:
    params = {} if in_scope else {"performer_id": str(ctx.world.users["caseworker2"])}
    return Call(path="/v1/activities", params=params)


CONSENT = {
    "purposes": ["referral"],
    "data_categories": ["identity"],
    "agency_types": ["group_home"],
    "given_on": "2026-01-05",
    "recorded_how": "signed_form",
}
ACTIVITY = {
    "kind": "home_visit",
    "occurred_at": datetime(2026, 11, 2, 1, tzinfo=UTC).isoformat(),
    "duration_minutes": 60,
    "travel_minutes": 30,
}
PROFESSIONALS_ONLY = {"peer_supporter": (403, 404)}
SV_CW_ONLY = {r: (403, 404) for r in ("mental_care_worker", "public_health_nurse", "coordinator", "peer_supporter")}
GOAL_WRITERS = {"public_health_nurse": (403, 404), "peer_supporter": (403, 404)}
REFUSE_LIST = expect(200, **LIST_REFUSED)

CASES = [
    RouteCase("GET", "/v1/clients", fixed("/v1/clients"), REFUSE_LIST),
    RouteCase("POST", "/v1/clients", _new_client, expect(403, supervisor=201, caseworker=201, anonymous=401)),
    RouteCase("GET", "/v1/clients/{client_id}", client_path(), visible(200)),
    RouteCase(
        "PATCH",
        "/v1/clients/{client_id}",
        with_body(client_path(), {"phone": "03-1111-2222"}, V1),
        visible(200, **PROFESSIONALS_ONLY),
    ),
    RouteCase(
        "POST",
        "/v1/clients/{client_id}/deactivate",
        with_body(client_path("/deactivate"), {"reason": "転居"}, V1),
        visible(200, **SV_CW_ONLY),
    ),
    RouteCase("GET", "/v1/clients/{client_id}/access-log", client_path("/access-log"), visible(200, **SV_CW_ONLY)),
    RouteCase("GET", "/v1/clients/{client_id}/consents", client_path("/consents"), visible(200)),
    RouteCase(
        "POST",
        "/v1/clients/{client_id}/consents",
        with_body(client_path("/consents"), CONSENT),
        visible(201, **PROFESSIONALS_ONLY),
    ),
    RouteCase("POST", "/v1/clients/{client_id}/consents/{consent_id}/withdraw", _withdraw, visible(200)),
    RouteCase("GET", "/v1/clients/{client_id}/care-team", client_path("/care-team"), visible(200)),
    RouteCase("POST", "/v1/clients/{client_id}/care-team", _member, visible(201, **SV_CW_ONLY)),
    RouteCase("POST", "/v1/clients/{client_id}/care-team/{member_id}/end", _end_member, visible(200, **SV_CW_ONLY)),
    RouteCase("GET", "/v1/episodes", fixed("/v1/episodes"), REFUSE_LIST),
    RouteCase("POST", "/v1/episodes", _propose, visible(201, **SV_CW_ONLY)),
    RouteCase("GET", "/v1/episodes/{episode_id}", episode_path(), visible(200)),
    RouteCase(
        "POST",
        "/v1/episodes/{episode_id}/transitions",
        episode_path("/transitions", json={"action": "hold", "reason": "再入院"}, headers=dict(V1)),
        visible(200, public_health_nurse=(403, 404), peer_supporter=(403, 404)),
    ),
    RouteCase("GET", "/v1/episodes/{episode_id}/goals", episode_path("/goals"), visible(200)),
    RouteCase(
        "POST",
        "/v1/episodes/{episode_id}/goals",
        episode_path("/goals", json={"text": "買い物に行く"}),
        visible(201, **GOAL_WRITERS),
    ),
    RouteCase("PATCH", "/v1/episodes/{episode_id}/goals/{goal_id}", _goal_patch, visible(200, **GOAL_WRITERS)),
    RouteCase("GET", "/v1/episodes/{episode_id}/activities", episode_path("/activities"), visible(200)),
    RouteCase(
        "POST",
        "/v1/episodes/{episode_id}/activities",
        episode_path("/activities", json=ACTIVITY),
        visible(201, peer_supporter=(403, 404)),
    ),
    RouteCase("GET", "/v1/activities", _worker_day, expect((200, 403), supervisor=200, **LIST_REFUSED)),
    RouteCase("GET", "/v1/reference", fixed("/v1/reference"), expect(200, anonymous=401)),
    RouteCase("GET", "/v1/reference/{name}", lambda ctx, in_scope: _ref(in_scope), expect((200, 404), anonymous=401)),
    RouteCase("GET", "/v1/programmes", fixed("/v1/programmes"), expect(200, anonymous=401)),
    RouteCase(
        "POST",
        "/v1/programmes",
        fixed("/v1/programmes", json={"code": "new_prog", "name_ja": "新事業", "name_en": "New"}),
        expect(403, admin=201, anonymous=401),
    ),
    RouteCase(
        "PATCH",
        "/v1/programmes/{programme_id}",
        lambda ctx, in_scope: _programme_patch(ctx, in_scope),
        expect(403, admin=(200, 404), anonymous=401),
    ),
]


async def _ref(in_scope: bool) -> Call:
    return Call(path="/v1/reference/closure-reasons" if in_scope else "/v1/reference/no-such-list")


async def _programme_patch(ctx: Any, in_scope: bool) -> Call:
    pid = ctx.scenario.programme.id if in_scope else uuid.uuid4()
    return Call(path=f"/v1/programmes/{pid}", json={"name_en": "Renamed"}, headers=dict(V1))
