"""Workers' schedules and capacity (issue 18, item 1)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.domain.fiscal import today_tokyo
from api.routing import CommitRoute
from api.schemas.schedules import (
    CapacityUse,
    WorkerSchedule,
    WorkLeaveCreate,
    WorkLeaveRead,
    WorkPatternCreate,
    WorkPatternRead,
    WorkPatternUpdate,
)
from api.services import schedule_stats
from api.services import schedules as schedule_service
from api.services import stats as stats_service

router = APIRouter(tags=["schedules"], route_class=CommitRoute)


@router.get("/v1/workers/{worker_id}/work-patterns", operation_id="list_work_patterns",
            summary="A worker's working patterns: branch office × weekdays, with validity periods",
            response_model=list[WorkPatternRead])
async def list_work_patterns(worker_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    patterns = await schedule_service.list_patterns(unit, principal, worker_id)
    return list_response([WorkPatternRead.model_validate(p) for p in patterns])


@router.post("/v1/workers/{worker_id}/work-patterns", operation_id="create_work_pattern",
             summary="Set a worker's days at a branch office (supervisors of the worker's branch)",
             status_code=201, response_model=WorkPatternRead)
async def create_work_pattern(worker_id: uuid.UUID, body: WorkPatternCreate, principal: PrincipalDep, unit: UnitDep,
                              idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        pattern = await schedule_service.add_pattern(unit, principal, worker_id, body)
        return json_response(WorkPatternRead.model_validate(pattern), status_code=201, version=pattern.version,
                             location=f"/v1/workers/{worker_id}/work-patterns")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch("/v1/workers/{worker_id}/work-patterns/{pattern_id}", operation_id="update_work_pattern",
              summary="End a working pattern or change its visits per day (If-Match)", response_model=WorkPatternRead)
async def update_work_pattern(worker_id: uuid.UUID, pattern_id: uuid.UUID, body: WorkPatternUpdate,
                              expected: IfMatchDep, principal: PrincipalDep, unit: UnitDep) -> Response:
    pattern = await schedule_service.update_pattern(unit, principal, worker_id, pattern_id, body, expected)
    return json_response(WorkPatternRead.model_validate(pattern), version=pattern.version)


@router.delete("/v1/workers/{worker_id}/work-patterns/{pattern_id}", operation_id="delete_work_pattern",
               summary="Remove a working pattern (If-Match)", status_code=204)
async def delete_work_pattern(worker_id: uuid.UUID, pattern_id: uuid.UUID, expected: IfMatchDep,
                              principal: PrincipalDep, unit: UnitDep) -> Response:
    await schedule_service.end_pattern(unit, principal, worker_id, pattern_id, expected)
    return Response(status_code=204)


@router.get("/v1/workers/{worker_id}/leave", operation_id="list_work_leave",
            summary="A worker's leave: days with no visits planned", response_model=list[WorkLeaveRead])
async def list_work_leave(worker_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    leaves = await schedule_service.list_leaves(unit, principal, worker_id)
    return list_response([WorkLeaveRead.model_validate(x) for x in leaves])


@router.post("/v1/workers/{worker_id}/leave", operation_id="create_work_leave",
             summary="Record a worker's leave (supervisors of the worker's branch)", status_code=201,
             response_model=WorkLeaveRead)
async def create_work_leave(worker_id: uuid.UUID, body: WorkLeaveCreate, principal: PrincipalDep, unit: UnitDep,
                            idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        leave = await schedule_service.add_leave(unit, principal, worker_id, body)
        return json_response(WorkLeaveRead.model_validate(leave), status_code=201)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/workers/{worker_id}/schedule", operation_id="get_worker_schedule",
            summary="A worker's days (a week by default): branch office, capacity and visits booked",
            response_model=WorkerSchedule)
async def get_worker_schedule(request: Request, worker_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                              first: Annotated[date | None, Query(alias="from")] = None,
                              last: Annotated[date | None, Query(alias="to")] = None) -> Response:
    result = await schedule_service.schedule(unit, principal, worker_id, first or today_tokyo(), last,
                                             request.app.state.settings.daily_visit_capacity)
    return json_response(result)


@router.get("/v1/stats/capacity-use", operation_id="stats_capacity_use", response_model=CapacityUse,
            summary="Visits against the capacity of scheduled working days, per branch office "
                    "(per worker for supervisors of the worker's branch)")
async def stats_capacity_use(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                             fiscal_year_from: Annotated[int | None, Query(ge=1989, le=2200)] = None,
                             fiscal_year_to: Annotated[int | None, Query(ge=1989, le=2200)] = None,
                             branch_code: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    protection = stats_service.Protection(threshold=settings.stats_suppression_threshold,
                                          bound=settings.stats_noise_bound,
                                          snapshot_seconds=settings.stats_snapshot_seconds)
    result = await schedule_stats.capacity_use(unit, request.app.state.replica_sessionmaker, principal, protection,
                                               fiscal_year_from=fiscal_year_from, fiscal_year_to=fiscal_year_to,
                                               branch_code=branch_code)
    return json_response(result)
