"""The personal-data lifecycle: the client's ward division (supervisor, caseworker) produces the
disclosure package and records correction requests; only the supervisor decides them and sees the
retention schedule's dry run. Everyone else: 403 when the client is visible to them, 404 when not."""

from __future__ import annotations

from typing import Any

from api.db.models import CorrectionRequest
from tests.authz import Call, RouteCase, expect, fixed

# Roles that see client_in but may not act: 403 in scope, 404 out of scope.
TEAM_OTHERS = {r: (403, 404) for r in ("mental_care_worker", "public_health_nurse", "coordinator", "peer_supporter")}
NO_CLIENTS = {"admin": 404, "partner": 404, "secretariat": 404, "analyst": 404, "auditor": 404, "anonymous": 401}


def _on_client(suffix: str, **kw: Any) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
        return Call(path=f"/v1/clients/{client.id}{suffix}", **kw)

    return build


async def _decision(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    correction = CorrectionRequest(client_id=client.id, field="phone", requested_value="03-0000-0001",
                                   reason="番号の誤り", source="client", received_on=ctx.scenario.consent_in.given_on,
                                   requested_by=ctx.world.users["caseworker"],
                                   requested_at=ctx.scenario.consent_in.created_at, status="requested")
    ctx.db.add(correction)
    await ctx.db.flush()
    return Call(path=f"/v1/clients/{client.id}/corrections/{correction.id}/decision",
                json={"decision": "reject", "reason": "確認できない"}, headers={"If-Match": '"1"'})


STAFF = {"supervisor": (200, 404), "caseworker": (200, 404), **TEAM_OTHERS, **NO_CLIENTS}

CASES = [
    RouteCase("GET", "/v1/clients/{client_id}/disclosure", _on_client("/disclosure"), expect(404, **STAFF)),
    RouteCase("GET", "/v1/clients/{client_id}/corrections", _on_client("/corrections"), expect(404, **STAFF)),
    RouteCase("POST", "/v1/clients/{client_id}/corrections",
              _on_client("/corrections", json={"field": "phone", "requested_value": "03-0000-0001",
                                               "reason": "番号の誤り", "received_on": "2010-08-02"}),
              expect(404, **{**STAFF, "supervisor": (201, 404), "caseworker": (201, 404)})),
    RouteCase("POST", "/v1/clients/{client_id}/corrections/{correction_id}/decision", _decision,
              expect(404, **{**STAFF, "supervisor": (200, 404), "caseworker": (403, 404)})),
    RouteCase("GET", "/v1/retention/due", fixed("/v1/retention/due"),
              expect(403, supervisor=200, anonymous=401)),
]
