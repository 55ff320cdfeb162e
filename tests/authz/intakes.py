"""Enquiries (相談受付): the professions of the receiving agency record, read and triage them, a
supervisor also those of its branch offices; only those who may register clients convert one.
Peer supporters, partners and the aggregate roles never see an enquiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.db.models import Intake
from tests.authz import Call, RouteCase, expect, fixed

PROFESSIONS = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator")
STATS = {"supervisor": 200, "secretariat": 200, "analyst": 200}


def _intake(ctx: Any, in_scope: bool) -> Intake:
    # In scope: received by the caseworker's division about a person in Karasuyama; out: Setagaya's.
    agency, branch, user = (("karasuyama_seikatsu", "karasuyama", "caseworker") if in_scope
                            else ("setagaya_seikatsu", "setagaya", "caseworker2"))
    intake = Intake(id=uuid.uuid4(), agency_id=ctx.world.agencies[agency], branch_code=branch,
                    received_at=datetime.now(UTC) - timedelta(days=3), received_by=ctx.world.users[user],
                    name="相談 太郎", kana="ソウダンタロウ", description="民生委員から",
                    referrer_type="welfare_commissioner",
                    urgency="soon", consent_state="not_asked", triage_outcome="pending", status="open")
    ctx.db.add(intake)
    return intake


def _on(suffix: str, json: Any = None) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        intake = _intake(ctx, in_scope)
        await ctx.db.flush()
        headers = {"If-Match": '"1"'} if json is not None else {}
        return Call(path=f"/v1/intakes/{intake.id}{suffix}", json=json, headers=headers)

    return build


_NEW = {"description": "駅前で見かける高齢の男性。生年月日不明", "referrer_type": "neighbour", "urgency": "routine"}
_CONVERT = {"date_of_birth": "1950-01-01", "residence_type": "apartment", "sex": "male"}
VISIBLE = {"supervisor": (200, 404), "caseworker": (200, 404)}

CASES = [
    RouteCase("POST", "/v1/intakes", fixed("/v1/intakes", json=_NEW),
              expect(403, anonymous=401, **dict.fromkeys(PROFESSIONS, 201))),
    RouteCase("GET", "/v1/intakes", fixed("/v1/intakes"),
              expect(403, anonymous=401, **dict.fromkeys(PROFESSIONS, 200))),
    RouteCase("GET", "/v1/intakes/{intake_id}", _on(""),
              expect(403, anonymous=401, **{**dict.fromkeys(PROFESSIONS, 404), **VISIBLE})),
    RouteCase("PATCH", "/v1/intakes/{intake_id}", _on("", {"urgency": "urgent"}),
              expect(403, anonymous=401, **{**dict.fromkeys(PROFESSIONS, 404), **VISIBLE})),
    RouteCase("POST", "/v1/intakes/{intake_id}/triage", _on("/triage", {"triage_outcome": "assess"}),
              expect(403, anonymous=401, **{**dict.fromkeys(PROFESSIONS, 404), **VISIBLE})),
    RouteCase("POST", "/v1/intakes/{intake_id}/convert", _on("/convert", _CONVERT),
              expect(403, anonymous=401, supervisor=(201, 404), caseworker=(201, 404))),
    RouteCase("GET", "/v1/stats/intakes", fixed("/v1/stats/intakes"), expect(403, anonymous=401, **STATS)),
]
