"""Cumulative statistics over a range of fiscal years (issue 18, item 9)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.conventions import json_response
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.routers.stats import BranchCode, FyFrom, FyTo, ProgrammeCode, _protection
from api.routing import CommitRoute
from api.schemas.stats_cumulative import CumulativeTable
from api.services import stats_cumulative

router = APIRouter(tags=["statistics"], route_class=CommitRoute)


@router.get("/v1/stats/cumulative-persons", operation_id="stats_cumulative_persons", response_model=CumulativeTable,
            summary="Distinct persons supported over a range of fiscal years, by programme × branch "
                    "(one table per range; default: since FY2007)")
async def stats_cumulative_persons(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                                   fiscal_year_from: FyFrom = None, fiscal_year_to: FyTo = None,
                                   programme_code: ProgrammeCode = None, branch_code: BranchCode = None) -> Response:
    result = await stats_cumulative.table(
        unit, request.app.state.replica_sessionmaker, principal, _protection(settings),
        fiscal_year_from=fiscal_year_from, fiscal_year_to=fiscal_year_to, programme_code=programme_code,
        branch_code=branch_code)
    return json_response(result)
