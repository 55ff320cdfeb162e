"""Matrix rows for workers' schedules and capacity (issue 18, item 1). In scope: the mental-care
worker of 烏山 (the supervisor's branch); out of scope: caseworker2 of 世田谷."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.db.models import WorkPattern
from tests.authz import Call, RouteCase, expect
from tests.authz.stats import STATS_READERS, _stats

READ = expect(403, supervisor=(200, 404), mental_care_worker=(200, 403), anonymous=401)


def _worker(ctx: Any, in_scope: bool) -> tuple[str, str]:
    name = "mental_care_worker" if in_scope else "caseworker2"
    return str(ctx.world.users[name]), "karasuyama" if in_scope else "setagaya"


def _read(suffix: str) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        worker, _ = _worker(ctx, in_scope)
        return Call(path=f"/v1/workers/{worker}/{suffix}")

    return build


async def _new_pattern(ctx: Any, in_scope: bool) -> Call:
    worker, branch = _worker(ctx, in_scope)
    return Call(path=f"/v1/workers/{worker}/work-patterns",
                json={"branch_code": branch, "weekdays": [1], "valid_from": "2030-04-01"})


async def _new_leave(ctx: Any, in_scope: bool) -> Call:
    worker, _ = _worker(ctx, in_scope)
    return Call(path=f"/v1/workers/{worker}/leave", json={"first_day": "2030-08-16", "last_day": "2030-08-17"})


async def _delete_pattern(ctx: Any, in_scope: bool) -> Call:
    worker, branch = _worker(ctx, in_scope)
    pattern = WorkPattern(worker_id=ctx.world.users["mental_care_worker" if in_scope else "caseworker2"],
                          branch_code=branch, weekdays=[3], valid_from=date(2030, 4, 1), visits_per_day=5)
    ctx.db.add(pattern)
    await ctx.db.flush()
    return Call(path=f"/v1/workers/{worker}/work-patterns/{pattern.id}", headers={"If-Match": '"1"'})


async def _update_pattern(ctx: Any, in_scope: bool) -> Call:
    call = await _delete_pattern(ctx, in_scope)
    return Call(path=call.path, headers=call.headers, json={"valid_to": "2030-09-30"})


async def _capacity_use(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/stats/capacity-use", params={"branch_code": "karasuyama" if in_scope else "setagaya"})


MANAGE = expect(403, anonymous=401, supervisor=(201, 404))

CASES = [
    RouteCase("GET", "/v1/workers/{worker_id}/work-patterns", _read("work-patterns"), READ),
    RouteCase("POST", "/v1/workers/{worker_id}/work-patterns", _new_pattern, MANAGE),
    RouteCase("DELETE", "/v1/workers/{worker_id}/work-patterns/{pattern_id}", _delete_pattern,
              expect(403, anonymous=401, supervisor=(204, 404))),
    RouteCase("PATCH", "/v1/workers/{worker_id}/work-patterns/{pattern_id}", _update_pattern,
              expect(403, anonymous=401, supervisor=(200, 404))),
    RouteCase("GET", "/v1/workers/{worker_id}/leave", _read("leave"), READ),
    RouteCase("POST", "/v1/workers/{worker_id}/leave", _new_leave, MANAGE),
    RouteCase("GET", "/v1/workers/{worker_id}/schedule", _read("schedule"), READ),
    RouteCase("GET", "/v1/stats/capacity-use", _capacity_use, STATS_READERS),
    # --- issue 18, item 8: ending support ---
    _stats("readmissions"),
    RouteCase("GET", "/v1/episode-endings", lambda ctx, in_scope: _endings(in_scope),
              expect(200, admin=403, partner=403, secretariat=403, analyst=403, auditor=403, anonymous=401)),
]


async def _endings(in_scope: bool) -> Call:
    return Call(path="/v1/episode-endings",
                params={"condition": "ending_soon" if in_scope else "long_running"})
