from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, check_version, idempotent, json_response
from api.deps import UnitDep
from api.domain.roles import AgencyType
from api.pagination import Page, PageDep, cut
from api.routing import CommitRoute
from api.schemas.identity import AgencyCreate, AgencyRead, AgencyUpdate
from api.services import agencies
from api.services.guard import AdminDep

router = APIRouter(tags=["admin"], route_class=CommitRoute)


@router.get("/v1/agencies", operation_id="list_agencies", summary="List agencies (admin)",
            response_model=Page[AgencyRead])
async def list_agencies(
    admin: AdminDep,
    unit: UnitDep,
    page: PageDep,
    type: Annotated[AgencyType | None, Query(description="Only agencies of this type")] = None,
    active: Annotated[bool | None, Query(description="Only active (true) or deactivated (false) agencies")] = None,
) -> Response:
    rows = await agencies.list_page(unit.session, page, type_=type, active=active)
    items, next_cursor = cut(rows, page, lambda a: [a.code])
    return json_response(Page[AgencyRead](items=[AgencyRead.model_validate(a) for a in items],
                                          next_cursor=next_cursor))


@router.post("/v1/agencies", operation_id="create_agency", summary="Create an agency (admin)", status_code=201,
             response_model=AgencyRead)
async def create_agency(body: AgencyCreate, admin: AdminDep, unit: UnitDep,
                        idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def run() -> Response:
        agency = await agencies.create(unit, body)
        return json_response(AgencyRead.model_validate(agency), status_code=201, version=agency.version,
                             location=f"/v1/agencies/{agency.id}")

    return await idempotent(unit, admin, idempotency_key, body, run)


@router.get("/v1/agencies/{agency_id}", operation_id="get_agency", summary="Read an agency (admin)",
            response_model=AgencyRead)
async def get_agency(agency_id: uuid.UUID, admin: AdminDep, unit: UnitDep) -> Response:
    agency = await agencies.get(unit.session, agency_id)
    return json_response(AgencyRead.model_validate(agency), version=agency.version)


@router.patch("/v1/agencies/{agency_id}", operation_id="update_agency",
              summary="Change an agency; `active: false` deactivates it (admin)", response_model=AgencyRead)
async def update_agency(agency_id: uuid.UUID, body: AgencyUpdate, admin: AdminDep, unit: UnitDep,
                        expected: IfMatchDep) -> Response:
    agency = await agencies.get(unit.session, agency_id)
    check_version(agency.version, expected)
    agency = await agencies.update(unit, agency, body)
    return json_response(AgencyRead.model_validate(agency), version=agency.version)
