"""Open Referral HSDS 3.0 read endpoints, so other service directories can import this one.

Public and identical for every caller: only publicly listed services and what they run at."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from api.conventions import json_response
from api.deps import UnitDep
from api.messages import msg
from api.problems import Problem
from api.routing import CommitRoute
from api.schemas.hsds import (
    HsdsApiRoot,
    HsdsLocation,
    HsdsOrganization,
    HsdsPage,
    HsdsService,
    HsdsServiceAtLocation,
)
from api.services import hsds

router = APIRouter(tags=["hsds"], route_class=CommitRoute)

HSDS_PER_PAGE_MAX = 200


async def _paging(
    search: Annotated[str | None, Query(max_length=100, description="Text in a name or description")] = None,
    modified_after: Annotated[datetime | None, Query(description="Only records changed after this instant")] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, le=HSDS_PER_PAGE_MAX, description="Items per page")] = 50,
) -> hsds.Paging:
    if modified_after is not None and modified_after.tzinfo is None:
        raise Problem("validation", msg("time.offset_required", name="modified_after"))
    return hsds.Paging(page=page, per_page=per_page, search=(search or "").strip() or None,
                       modified_after=modified_after)


PagingDep = Annotated[hsds.Paging, Depends(_paging)]


@router.get("/v1/hsds/", operation_id="hsds_root", response_model=HsdsApiRoot,
            summary="HSDS API details: version and profile")
async def hsds_root() -> Response:
    body = HsdsApiRoot(
        version="3.0", profile="https://docs.openreferral.org/en/3.0/", openapi_url="/openapi.json",
        description="Setagaya ward community-transition support network: the social-resource directory (社会資源).",
    )
    return json_response(body, private=False)


@router.get("/v1/hsds/services", operation_id="hsds_list_services", response_model=HsdsPage[HsdsService],
            summary="HSDS services, paged (publicly listed ones)")
async def hsds_list_services(unit: UnitDep, paging: PagingDep) -> Response:
    return json_response(await hsds.services_page(unit, paging), private=False)


@router.get("/v1/hsds/services/{service_id}", operation_id="hsds_get_service", response_model=HsdsService,
            summary="One HSDS service with its organization and locations")
async def hsds_get_service(service_id: uuid.UUID, unit: UnitDep) -> Response:
    return json_response(await hsds.one_service(unit, service_id), private=False)


@router.get("/v1/hsds/organizations", operation_id="hsds_list_organizations",
            response_model=HsdsPage[HsdsOrganization], summary="HSDS organizations that list a service, paged")
async def hsds_list_organizations(unit: UnitDep, paging: PagingDep) -> Response:
    return json_response(await hsds.organizations_page(unit, paging), private=False)


@router.get("/v1/hsds/locations", operation_id="hsds_list_locations", response_model=HsdsPage[HsdsLocation],
            summary="HSDS locations of listed services, paged")
async def hsds_list_locations(unit: UnitDep, paging: PagingDep) -> Response:
    return json_response(await hsds.locations_page(unit, paging), private=False)


@router.get("/v1/hsds/service_at_locations", operation_id="hsds_list_service_at_locations",
            response_model=HsdsPage[HsdsServiceAtLocation], summary="HSDS service_at_location links, paged")
async def hsds_list_service_at_locations(unit: UnitDep, paging: PagingDep) -> Response:
    return json_response(await hsds.links_page(unit, paging), private=False)
