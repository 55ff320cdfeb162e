"""Enquiries about people not yet in support (相談受付; README "Intakes")."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.domain import codes
from api.pagination import Page, PageDep
from api.routers.stats import _protection
from api.routing import CommitRoute
from api.schemas.intakes import (
    IntakeConversion,
    IntakeConvert,
    IntakeCreate,
    IntakeRead,
    IntakeStats,
    IntakeTriage,
    IntakeUpdate,
    Urgency,
)
from api.services import intakes as service
from api.services import read_models as views
from api.services import turnaround_stats
from api.services.shaping import shape, shaped_page

router = APIRouter(tags=["intakes"], route_class=CommitRoute)


@router.post("/v1/intakes", operation_id="create_intake", status_code=201, response_model=IntakeRead,
             summary="Record an enquiry about someone not in support: what is known, who referred, how urgent")
async def create_intake(body: IntakeCreate, principal: PrincipalDep, unit: UnitDep,
                        idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        intake = await service.create(unit, principal, body)
        return json_response(shape(principal, IntakeRead.model_validate(intake)), status_code=201,
                             version=intake.version, location=f"/v1/intakes/{intake.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/intakes", operation_id="list_intakes", response_model=Page[IntakeRead],
            summary="Enquiries of your agency (a supervisor: also of its branch offices), newest first")
async def list_intakes(principal: PrincipalDep, unit: UnitDep, page: PageDep,
                       status: codes.IntakeStatus | None = None, urgency: Urgency | None = None,
                       triage_outcome: codes.IntakeTriageOutcome | None = None) -> Response:
    rows, cursor = await service.list_visible(unit, principal, page, status=status, urgency=urgency,
                                              triage_outcome=triage_outcome)
    return json_response(shaped_page([shape(principal, IntakeRead.model_validate(r)) for r in rows], cursor))


@router.get("/v1/intakes/{intake_id}", operation_id="get_intake", response_model=IntakeRead,
            summary="One enquiry")
async def get_intake(intake_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    intake = await service.read(unit, principal, intake_id)
    return json_response(shape(principal, IntakeRead.model_validate(intake)), version=intake.version)


@router.patch("/v1/intakes/{intake_id}", operation_id="update_intake", response_model=IntakeRead,
              summary="Add what became known to an open enquiry (If-Match)")
async def update_intake(intake_id: uuid.UUID, body: IntakeUpdate, expected: IfMatchDep, principal: PrincipalDep,
                        unit: UnitDep) -> Response:
    intake = await service.update(unit, principal, intake_id, body, expected)
    return json_response(shape(principal, IntakeRead.model_validate(intake)), version=intake.version)


@router.post("/v1/intakes/{intake_id}/triage", operation_id="triage_intake", response_model=IntakeRead,
             summary="Record the triage outcome of an open enquiry, optionally closing it (If-Match)")
async def triage_intake(intake_id: uuid.UUID, body: IntakeTriage, expected: IfMatchDep, principal: PrincipalDep,
                        unit: UnitDep) -> Response:
    intake = await service.triage(unit, principal, intake_id, body, expected)
    return json_response(shape(principal, IntakeRead.model_validate(intake)), version=intake.version)


@router.post("/v1/intakes/{intake_id}/convert", operation_id="convert_intake", status_code=201,
             response_model=IntakeConversion,
             summary="Register the enquiry's person as a client, carrying over what is known (If-Match; "
                     "the duplicate check applies)")
async def convert_intake(intake_id: uuid.UUID, body: IntakeConvert, expected: IfMatchDep, principal: PrincipalDep,
                         unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        intake, client = await service.convert(unit, principal, intake_id, body, expected)
        result = IntakeConversion(intake=IntakeRead.model_validate(intake), client=views.client_read(client))
        return json_response(shape(principal, result), status_code=201, version=intake.version,
                             location=f"/v1/clients/{client.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/stats/intakes", operation_id="stats_intakes", response_model=IntakeStats, tags=["statistics"],
            summary="Enquiries received, how many became clients and the median days it took (one fiscal year)")
async def stats_intakes(request: Request, principal: PrincipalDep, unit: UnitDep, settings: SettingsDep,
                        fiscal_year: Annotated[int | None, Query(ge=2007, le=2100)] = None) -> Response:
    result = await turnaround_stats.intake_table(unit, request.app.state.replica_sessionmaker, principal,
                                                 _protection(settings), fiscal_year)
    return json_response(result)
