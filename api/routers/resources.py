"""The social-resource directory (社会資源): services, their locations and live vacancies.

Reading is open to everyone (there is no client data here); listings are edited by the admin
and by the provider's own partner principals; vacancies also by ward staff."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.deps import OptionalPrincipalDep, PrincipalDep, UnitDep
from api.domain.kana import normalize_kana
from api.domain.resource_directory import ReferralPurpose, ServiceCategory, categories_for_purpose
from api.messages import msg
from api.pagination import Page, PageDep
from api.problems import Problem
from api.routing import CommitRoute
from api.schemas.resources import (
    CapacityHistoryRead,
    CapacityRead,
    CapacityUpdate,
    LocationCreate,
    LocationRead,
    LocationUpdate,
    ServiceCreate,
    ServiceRead,
    ServiceUpdate,
)
from api.services import resource_queries as queries
from api.services import resources as svc

router = APIRouter(tags=["resources"], route_class=CommitRoute)


@router.get("/v1/resources", operation_id="search_services", response_model=Page[ServiceRead],
            summary="Search the directory: category or referral purpose, branch area, vacancy, eligibility, name or "
                    "kana prefix; nearest first with near_lat/near_lon")
async def search_services(
    unit: UnitDep,
    principal: OptionalPrincipalDep,
    page: PageDep,
    category: ServiceCategory | None = None,
    purpose: Annotated[ReferralPurpose | None, Query(
        description="Only the categories that can take a referral for this purpose")] = None,
    branch: Annotated[str | None, Query(max_length=32, description="Branch area code of a location")] = None,
    has_vacancy: Annotated[bool | None, Query(description="Active with at least one place available")] = None,
    eligibility: Annotated[str | None, Query(max_length=100, description="Text within the eligibility")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Start of the name or of a word of it, in "
                                                               "kanji, kana (any width) or English")] = None,
    near_lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    near_lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> Response:
    if (near_lat is None) != (near_lon is None):
        raise Problem("validation", msg("resource.near_together"))
    categories: set[str] | None = None
    if purpose is not None:
        categories = set(categories_for_purpose(purpose))
    if category is not None:
        categories = {category.value} & categories if categories is not None else {category.value}
    name = q.strip() if q and q.strip() else None
    filters = queries.ServiceFilters(
        categories=categories, branch_code=branch, has_vacancy=has_vacancy, eligibility=eligibility or None,
        name=name, name_kana=normalize_kana(name) if name else None, updated_since=page.updated_since,
    )
    near = svc.Near(near_lat, near_lon) if near_lat is not None and near_lon is not None else None
    result = await svc.search(unit, principal, filters, near, page)
    return json_response(result, private=principal is not None)


@router.post("/v1/resources", operation_id="create_service", response_model=ServiceRead, status_code=201,
             summary="List a service (admin, or a partner for its own agency)")
async def create_service(body: ServiceCreate, unit: UnitDep, principal: PrincipalDep,
                         key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        service = await svc.create_service(unit, principal, body)
        return json_response(await svc.shape(unit, principal, service), status_code=201, version=service.version,
                             location=f"/v1/resources/{service.id}")

    return await idempotent(unit, principal, key, body, create)


@router.get("/v1/resources/{service_id}", operation_id="get_service", response_model=ServiceRead,
            summary="One service with its locations and capacity (ETag)")
async def get_service(service_id: uuid.UUID, unit: UnitDep, principal: OptionalPrincipalDep) -> Response:
    service = await svc.visible_service(unit, principal, service_id)
    return json_response(await svc.shape(unit, principal, service), version=service.version,
                         private=principal is not None)


@router.patch("/v1/resources/{service_id}", operation_id="update_service", response_model=ServiceRead,
              summary="Change a listing (admin, or the provider's partner principals); If-Match")
async def update_service(service_id: uuid.UUID, body: ServiceUpdate, unit: UnitDep, principal: PrincipalDep,
                         expected: IfMatchDep) -> Response:
    service = await svc.update_service(unit, principal, service_id, expected, body)
    return json_response(await svc.shape(unit, principal, service), version=service.version)


@router.get("/v1/resources/{service_id}/capacity", operation_id="get_service_capacity", response_model=CapacityRead,
            summary="A service's capacity and vacancies now (ETag)")
async def get_service_capacity(service_id: uuid.UUID, unit: UnitDep, principal: OptionalPrincipalDep) -> Response:
    capacity = await svc.read_capacity(unit, principal, service_id)
    return json_response(svc.capacity_read(capacity, signed_in=principal is not None), version=capacity.version,
                         private=principal is not None)


@router.patch("/v1/resources/{service_id}/capacity", operation_id="update_service_capacity",
              response_model=CapacityRead,
              summary="Report vacancies (the provider's partner principals, ward staff, admin); If-Match")
async def update_service_capacity(service_id: uuid.UUID, body: CapacityUpdate, unit: UnitDep,
                                  principal: PrincipalDep, expected: IfMatchDep) -> Response:
    capacity = await svc.update_capacity(unit, principal, service_id, expected, body)
    return json_response(svc.capacity_read(capacity, signed_in=True), version=capacity.version)


@router.get("/v1/resources/{service_id}/capacity/history", operation_id="list_capacity_history",
            response_model=Page[CapacityHistoryRead],
            summary="Past vacancy reports, newest first (whoever may report them)")
async def list_capacity_history(service_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep,
                                page: PageDep) -> Response:
    return json_response(await svc.capacity_history(unit, principal, service_id, page))


@router.post("/v1/locations", operation_id="create_location", response_model=LocationRead, status_code=201,
             summary="Add a location where services run (admin, or a partner for its own agency)")
async def create_location(body: LocationCreate, unit: UnitDep, principal: PrincipalDep,
                          key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        location = await svc.create_location(unit, principal, body)
        return json_response(svc.location_read(location), status_code=201, version=location.version,
                             location=f"/v1/locations/{location.id}")

    return await idempotent(unit, principal, key, body, create)


@router.get("/v1/locations/{location_id}", operation_id="get_location", response_model=LocationRead,
            summary="One location (ETag)")
async def get_location(location_id: uuid.UUID, unit: UnitDep) -> Response:
    location = await svc.read_location(unit, location_id)
    return json_response(svc.location_read(location), version=location.version, private=False)


@router.patch("/v1/locations/{location_id}", operation_id="update_location", response_model=LocationRead,
              summary="Change a location (admin, or its agency's partner principals); If-Match")
async def update_location(location_id: uuid.UUID, body: LocationUpdate, unit: UnitDep, principal: PrincipalDep,
                          expected: IfMatchDep) -> Response:
    location = await svc.update_location(unit, principal, location_id, expected, body)
    return json_response(svc.location_read(location), version=location.version)
