"""Break-the-glass: the professions on care teams may open it (peer supporters, partners and the
aggregate roles may not); the view answers only with a live grant of the caller's own; supervisors
review grants on their branch's clients, auditors every grant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.db.models import EmergencyAccess
from tests.authz import Call, RouteCase, expect, fixed

REASON = {"reason_code": "crisis_call", "reason_text": "夜間の緊急相談"}
OPENERS = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator")


def _grant(ctx: Any, client_id: uuid.UUID, user: str) -> EmergencyAccess:
    now = datetime.now(UTC)
    grant = EmergencyAccess(id=uuid.uuid4(), client_id=client_id, user_id=ctx.world.users[user], reason_code="other",
                            reason_text="matrix", opened_at=now, expires_at=now + timedelta(hours=4),
                            review_status="pending")
    ctx.db.add(grant)
    return grant


async def _open(ctx: Any, in_scope: bool) -> Call:
    # In scope: a client most openers do not see; out of scope: no such client.
    target = ctx.scenario.client_out.id if in_scope else uuid.uuid4()
    return Call(path="/v1/emergency-access", json={"client_id": str(target), **REASON})


async def _view(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_out
    if in_scope:
        for user in OPENERS:
            _grant(ctx, client.id, user)
    return Call(path=f"/v1/clients/{client.id}/emergency-view")


async def _review(ctx: Any, in_scope: bool) -> Call:
    client = ctx.scenario.client_in if in_scope else ctx.scenario.client_out
    grant = _grant(ctx, client.id, "caseworker2")
    return Call(path=f"/v1/emergency-access/{grant.id}/review", json={"justified": True, "note": "妥当"},
                headers={"If-Match": '"1"'})


CASES = [
    RouteCase("POST", "/v1/emergency-access", _open,
              expect(403, anonymous=401, supervisor=(201, 404), caseworker=(201, 404),
                     mental_care_worker=(201, 404), public_health_nurse=(201, 404), coordinator=(201, 404))),
    RouteCase("GET", "/v1/clients/{client_id}/emergency-view", _view,
              expect(403, anonymous=401, **{r: (200, 404) for r in OPENERS})),
    RouteCase("GET", "/v1/emergency-access", fixed("/v1/emergency-access"),
              expect(403, anonymous=401, supervisor=200, auditor=200)),
    RouteCase("POST", "/v1/emergency-access/{access_id}/review", _review,
              expect(403, anonymous=401, supervisor=(200, 404), auditor=200)),
]
