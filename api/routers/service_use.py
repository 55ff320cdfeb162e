"""Services a client uses (作業所, ホームヘルプ …) and risk flags under review: the care team's only."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.service_use import (
    RiskFlagCreate,
    RiskFlagRead,
    RiskFlagUpdate,
    ServiceUseCreate,
    ServiceUseRead,
    ServiceUseUpdate,
)
from api.services import service_use as service
from api.services.shaping import shape, shaped_page

router = APIRouter(tags=["service use and risk"], route_class=CommitRoute)
USES = "/v1/clients/{client_id}/service-uses"
FLAGS = "/v1/clients/{client_id}/risk-flags"


@router.get(USES, operation_id="list_service_uses", response_model=list[ServiceUseRead],
            summary="Services the client uses or used, with periods and providers")
async def list_service_uses(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    uses = await service.list_uses(unit, principal, client_id)
    return list_response([shape(principal, service.use_read(u)) for u in uses])


@router.post(USES, operation_id="record_service_use", status_code=201, response_model=ServiceUseRead,
             summary="Record a service the client uses (a directory listing, or a provider by name)")
async def record_service_use(client_id: uuid.UUID, body: ServiceUseCreate, principal: PrincipalDep, unit: UnitDep,
                             idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        use = await service.record_use(unit, principal, client_id, body)
        return json_response(shape(principal, service.use_read(use)), status_code=201, version=use.version,
                             location=f"/v1/clients/{client_id}/service-uses/{use.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch(USES + "/{use_id}", operation_id="update_service_use", response_model=ServiceUseRead,
              summary="End a service use or change its days (If-Match)")
async def update_service_use(client_id: uuid.UUID, use_id: uuid.UUID, body: ServiceUseUpdate, expected: IfMatchDep,
                             principal: PrincipalDep, unit: UnitDep) -> Response:
    use = await service.update_use(unit, principal, client_id, use_id, body, expected)
    return json_response(shape(principal, service.use_read(use)), version=use.version)


@router.get(FLAGS, operation_id="list_risk_flags", response_model=list[RiskFlagRead],
            summary="The client's risk flags, open and resolved")
async def list_risk_flags(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    flags = await service.list_flags(unit, principal, client_id)
    return list_response([shape(principal, service.flag_read(f)) for f in flags])


@router.post(FLAGS, operation_id="raise_risk_flag", status_code=201, response_model=RiskFlagRead,
             summary="Flag a risk (e.g. sudden_departure) with a review date")
async def raise_risk_flag(client_id: uuid.UUID, body: RiskFlagCreate, principal: PrincipalDep, unit: UnitDep,
                          idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        flag = await service.raise_flag(unit, principal, client_id, body)
        return json_response(shape(principal, service.flag_read(flag)), status_code=201, version=flag.version,
                             location=f"/v1/clients/{client_id}/risk-flags/{flag.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch(FLAGS + "/{flag_id}", operation_id="update_risk_flag", response_model=RiskFlagRead,
              summary="Review a risk flag (new review date, note) or resolve it (If-Match)")
async def update_risk_flag(client_id: uuid.UUID, flag_id: uuid.UUID, body: RiskFlagUpdate, expected: IfMatchDep,
                           principal: PrincipalDep, unit: UnitDep) -> Response:
    flag = await service.update_flag(unit, principal, client_id, flag_id, body, expected)
    return json_response(shape(principal, service.flag_read(flag)), version=flag.version)


@router.get("/v1/risk-flags/due", operation_id="list_risk_flags_due", response_model=Page[RiskFlagRead],
            summary="Open risk flags of the clients you see whose review date has come, oldest first")
async def list_risk_flags_due(
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    on: Annotated[date | None, Query(description="Due on or before this day; default today (Asia/Tokyo)")] = None,
) -> Response:
    flags, cursor, day = await service.due_for_review(unit, principal, page, on)
    return json_response(shaped_page([shape(principal, service.flag_read(f, day)) for f in flags], cursor))
