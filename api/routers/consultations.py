"""Advice requests to specialists and staff activities tied to no client (README "Consultations")."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.domain import codes
from api.pagination import Page, PageDep
from api.routers.stats import _protection
from api.routing import CommitRoute
from api.schemas.consultations import (
    AdviceAnswer,
    AdviceRequestCreate,
    AdviceRequestRead,
    AdviceStats,
    StaffActivityCreate,
    StaffActivityKind,
    StaffActivityRead,
    StaffActivityUpdate,
)
from api.services import consultations as service
from api.services import turnaround_stats
from api.services.shaping import shape, shaped_page

router = APIRouter(tags=["consultations"], route_class=CommitRoute)


@router.post("/v1/advice-requests", operation_id="create_advice_request", status_code=201,
             response_model=AdviceRequestRead,
             summary="Ask a mental-care worker or public health nurse for advice, about a client you see or none")
async def create_advice_request(body: AdviceRequestCreate, principal: PrincipalDep, unit: UnitDep,
                                idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        req = await service.ask(unit, principal, body)
        return json_response(shape(principal, service.advice_read(req)), status_code=201, version=req.version,
                             location=f"/v1/advice-requests/{req.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/advice-requests", operation_id="list_advice_requests", response_model=Page[AdviceRequestRead],
            summary="Your inbox: requests asked of you (incoming) or asked by you (outgoing), newest first")
async def list_advice_requests(principal: PrincipalDep, unit: UnitDep, page: PageDep,
                               box: Literal["incoming", "outgoing"] = "incoming",
                               status: codes.AdviceRequestStatus | None = None) -> Response:
    rows, cursor = await service.inbox(unit, principal, page, box=box, status=status)
    return json_response(shaped_page([shape(principal, service.advice_read(r)) for r in rows], cursor))


@router.get("/v1/advice-requests/{request_id}", operation_id="get_advice_request", response_model=AdviceRequestRead,
            summary="One advice request (its asker and the specialist asked only)")
async def get_advice_request(request_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    req = await service.read(unit, principal, request_id)
    return json_response(shape(principal, service.advice_read(req)), version=req.version)


@router.post("/v1/advice-requests/{request_id}/answer", operation_id="answer_advice_request",
             response_model=AdviceRequestRead, summary="Answer an advice request asked of you (If-Match)")
async def answer_advice_request(request_id: uuid.UUID, body: AdviceAnswer, expected: IfMatchDep,
                                principal: PrincipalDep, unit: UnitDep) -> Response:
    req = await service.answer(unit, principal, request_id, body, expected)
    return json_response(shape(principal, service.advice_read(req)), version=req.version)


@router.get("/v1/stats/advice-requests", operation_id="stats_advice_requests", response_model=AdviceStats,
            tags=["statistics"],
            summary="Advice requests asked and answered, and the median hours to an answer (one fiscal year)")
async def stats_advice_requests(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                                fiscal_year: Annotated[int | None, Query(ge=2007, le=2100)] = None) -> Response:
    result = await turnaround_stats.advice_table(unit, request.app.state.replica_sessionmaker, principal,
                                                 _protection(settings), fiscal_year)
    return json_response(result)


@router.post("/v1/staff-activities", operation_id="create_staff_activity", status_code=201,
             response_model=StaffActivityRead,
             summary="Record your own work tied to no client (phone consultation, 支援者支援 talk, …)")
async def create_staff_activity(body: StaffActivityCreate, principal: PrincipalDep, unit: UnitDep,
                                idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        activity = await service.record_staff_activity(unit, principal, body)
        return json_response(shape(principal, StaffActivityRead.model_validate(activity)), status_code=201,
                             version=activity.version, location=f"/v1/staff-activities/{activity.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/staff-activities", operation_id="list_staff_activities", response_model=Page[StaffActivityRead],
            summary="Your staff activities (a supervisor: also its branches' workers'), newest first")
async def list_staff_activities(principal: PrincipalDep, unit: UnitDep, page: PageDep,
                                performer_id: uuid.UUID | None = None, date_from: date | None = None,
                                date_to: date | None = None, kind: StaffActivityKind | None = None) -> Response:
    rows, cursor = await service.list_staff_activities(unit, principal, page, performer_id=performer_id,
                                                       date_from=date_from, date_to=date_to, kind=kind)
    return json_response(shaped_page([shape(principal, StaffActivityRead.model_validate(r)) for r in rows], cursor))


@router.get("/v1/staff-activities/{activity_id}", operation_id="get_staff_activity", response_model=StaffActivityRead,
            summary="One staff activity")
async def get_staff_activity(activity_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    activity = await service.read_staff_activity(unit, principal, activity_id)
    return json_response(shape(principal, StaffActivityRead.model_validate(activity)), version=activity.version)


@router.patch("/v1/staff-activities/{activity_id}", operation_id="update_staff_activity",
              response_model=StaffActivityRead, summary="Correct your own staff activity (If-Match)")
async def update_staff_activity(activity_id: uuid.UUID, body: StaffActivityUpdate, expected: IfMatchDep,
                                principal: PrincipalDep, unit: UnitDep) -> Response:
    activity = await service.update_staff_activity(unit, principal, activity_id, body, expected)
    return json_response(shape(principal, StaffActivityRead.model_validate(activity)), version=activity.version)
