"""Matrix rows for statistics, exports and the change feed. Aggregates have no record scope: the
out-of-scope call asks about a branch the supervisor does not work for (still ward-wide, by
decision); exports and the feed answer only what the caller may see, so both calls succeed."""

from __future__ import annotations

from typing import Any

from tests.authz import Call, RouteCase, expect, fixed
from tests.authz.cases import CARE

STATS_READERS = expect(403, analyst=200, supervisor=200, secretariat=200, anonymous=401)
RECORD_WORKERS = expect(403, anonymous=401, **dict.fromkeys(CARE, 200))


def _stats(name: str) -> RouteCase:
    async def build(ctx: Any, in_scope: bool) -> Call:
        return Call(path=f"/v1/stats/{name}", params={"branch_code": "karasuyama" if in_scope else "setagaya"})

    return RouteCase("GET", f"/v1/stats/{name}", build, STATS_READERS)


async def _export(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/exports/clients" if in_scope else "/v1/exports/activities", params={"format": "csv"})


CASES = [
    *(_stats(n) for n in ("supported-persons", "diagnosis-groups", "age-bands", "support-durations",
                          "closure-reasons", "episode-status", "workload")),
    RouteCase("GET", "/v1/stats/referrals", fixed("/v1/stats/referrals"), STATS_READERS),
    RouteCase("GET", "/v1/exports/{resource}", _export, RECORD_WORKERS),
    RouteCase("GET", "/v1/changes", fixed("/v1/changes"), RECORD_WORKERS),
]

# --- issue 18: cumulative statistics (item 9) ---
CASES.append(_stats("cumulative-persons"))
