"""Referrals: the care team of `client_in` and the receiving hospital (the world's partner) see
`referral_in`; nobody in the matrix sees `referral_out` (another division's client, addressed to
the consultation office). Only the sending division cancels; only the receiver answers."""

from __future__ import annotations

from typing import Any

from tests.authz import Builder, Call, RouteCase, expect, fixed

V1 = {"If-Match": '"1"'}
NO_ACCESS = {"admin": 404, "peer_supporter": 404, "secretariat": 404, "analyst": 404, "auditor": 404,
             "anonymous": 401}
SEES = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator", "partner")


def seen_by(ok: int, **others: Any) -> dict[str, tuple[int, int]]:
    """ok in scope for the client's care team and the receiving partner; 404 out of scope."""
    per_role: dict[str, Any] = {role: (ok, 404) for role in SEES}
    per_role.update(NO_ACCESS)
    per_role.update(others)
    return expect(404, **per_role)


def on_referral(suffix: str = "", **kw: Any) -> Builder:
    async def build(ctx: Any, in_scope: bool) -> Call:
        referral = ctx.scenario.referral_in if in_scope else ctx.scenario.referral_out
        return Call(path=f"/v1/referrals/{referral.id}{suffix}", **kw)

    return build


async def _create(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    return Call(path="/v1/referrals", json={
        "to_agency_id": str(ctx.world.agencies["hospital"]), "client_id": str(client.id), "purpose": "outpatient",
        "reason": "通院先の相談", "shared_fields": ["name"]})


async def _provisions(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    return Call(path=f"/v1/clients/{client.id}/provisions")


REFUSED = {"admin": 403, "peer_supporter": 403, "secretariat": 403, "analyst": 403, "auditor": 403,
           "anonymous": 401}
OTHER_SIDE = {r: (403, 404) for r in ("mental_care_worker", "public_health_nurse", "coordinator", "partner")}

CASES = [
    RouteCase("GET", "/v1/referrals", fixed("/v1/referrals"), expect(200, **REFUSED)),
    # A partner starts a chain only for its hospital's own inpatients; client_in is not one.
    RouteCase("POST", "/v1/referrals", _create, expect(404, supervisor=(201, 404), caseworker=(201, 404),
                                                       mental_care_worker=(201, 404),
                                                       public_health_nurse=(201, 404), coordinator=(201, 404),
                                                       **REFUSED)),
    RouteCase("GET", "/v1/referrals/{referral_id}", on_referral(), seen_by(200)),
    RouteCase("POST", "/v1/referrals/{referral_id}/transitions",
              on_referral("/transitions", json={"action": "cancel", "reason": "本人の希望"}, headers=dict(V1)),
              seen_by(200, **OTHER_SIDE)),
    RouteCase("GET", "/v1/referrals/{referral_id}/chain", on_referral("/chain"), seen_by(200)),
    RouteCase("GET", "/v1/referrals/{referral_id}/fhir", on_referral("/fhir"), seen_by(200)),
    RouteCase("GET", "/v1/referrals/{referral_id}/messages", on_referral("/messages"), seen_by(200)),
    RouteCase("POST", "/v1/referrals/{referral_id}/messages", on_referral("/messages", json={"body": "見学の日程は?"}),
              seen_by(201)),
    RouteCase("GET", "/v1/clients/{client_id}/provisions", _provisions,
              expect(404, **{r: (200, 404) for r in ("supervisor", "caseworker", "mental_care_worker",
                                                     "public_health_nurse", "coordinator", "peer_supporter")},
                     anonymous=401)),
]
