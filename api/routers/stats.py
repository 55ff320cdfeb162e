from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.config import Settings
from api.conventions import json_response
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.routing import CommitRoute
from api.schemas.stats import ReferralStats, StatTable, Workload
from api.services import referral_stats
from api.services import stats as stats_service

router = APIRouter(tags=["statistics"], route_class=CommitRoute)

FyFrom = Annotated[int | None, Query(ge=1989, le=2200, description="First fiscal year (whole years only)")]
FyTo = Annotated[int | None, Query(ge=1989, le=2200, description="Last fiscal year (default: fiscal_year_from)")]
ProgrammeCode = Annotated[str | None, Query(max_length=64, description="One whole programme")]
BranchCode = Annotated[str | None, Query(max_length=32, description="One whole branch office")]

_SUMMARIES = {
    "supported-persons": "Supported persons by programme × branch × fiscal year",
    "diagnosis-groups": "Supported persons by diagnosis group",
    "age-bands": "Persons starting support by age band at the start",
    "support-durations": "Closed episodes by support duration (≤6 months, ≤1 year, ≤2 years, longer)",
    "closure-reasons": "Closed episodes by closure reason",
    "episode-status": "Episodes active or on hold today, within or past their planned end",
    # --- issue 18: ending support ---
    "readmissions": "Readmissions to hospital during an episode, by how far into the support they came",
}


def _protection(settings: Settings) -> stats_service.Protection:
    return stats_service.Protection(threshold=settings.stats_suppression_threshold, bound=settings.stats_noise_bound,
                                    snapshot_seconds=settings.stats_snapshot_seconds)


def _table_route(name: str) -> None:
    async def endpoint(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                       fiscal_year_from: FyFrom = None, fiscal_year_to: FyTo = None,
                       programme_code: ProgrammeCode = None, branch_code: BranchCode = None) -> Response:
        result = await stats_service.table(
            unit, request.app.state.replica_sessionmaker, principal, name, _protection(settings),
            fiscal_year_from=fiscal_year_from, fiscal_year_to=fiscal_year_to, programme_code=programme_code,
            branch_code=branch_code)
        return json_response(result)

    endpoint.__name__ = "stats_" + name.replace("-", "_")
    router.add_api_route(f"/v1/stats/{name}", endpoint, methods=["GET"], operation_id=endpoint.__name__,
                         summary=_SUMMARIES[name], response_model=StatTable)


for _name in _SUMMARIES:
    _table_route(_name)


@router.get("/v1/stats/workload", operation_id="stats_workload", response_model=Workload,
            summary="Caseload and visits per working day against the daily visit capacity, per branch office "
                    "(per worker for supervisors of the worker's branch)")
async def stats_workload(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                         fiscal_year_from: FyFrom = None, fiscal_year_to: FyTo = None,
                         branch_code: BranchCode = None) -> Response:
    result = await stats_service.workload(
        unit, request.app.state.replica_sessionmaker, principal, _protection(settings),
        settings.daily_visit_capacity, fiscal_year_from=fiscal_year_from, fiscal_year_to=fiscal_year_to,
        branch_code=branch_code)
    return json_response(result)


@router.get("/v1/stats/referrals", operation_id="stats_referrals", response_model=ReferralStats,
            summary="Referrals by purpose and status, overdue ones and median days to acceptance (one fiscal year)")
async def stats_referrals(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                          fiscal_year: Annotated[int | None, Query(ge=2007, le=2100)] = None) -> Response:
    result = await referral_stats.referral_table(unit, request.app.state.replica_sessionmaker, principal,
                                                 _protection(settings), fiscal_year)
    return json_response(result)
