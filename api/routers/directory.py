"""The staff directory (HTTP): agencies and staff to work with, for every staff role the policy allows."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.conventions import json_response
from api.deps import PrincipalDep, UnitDep
from api.domain.roles import AgencyType, Role
from api.pagination import Page, PageDep, cut
from api.routing import CommitRoute
from api.schemas.directory import DirectoryAgency, DirectoryUser
from api.services import directory

router = APIRouter(tags=["directory"], route_class=CommitRoute)

Search = Annotated[str | None, Query(min_length=1, max_length=100,
                                     description="Part of the name; for staff also the reading in any kana script")]
BranchFilter = Annotated[str | None, Query(max_length=32, description="Branch office code")]


@router.get("/v1/directory/agencies", operation_id="list_directory_agencies", response_model=Page[DirectoryAgency],
            summary="Active agencies to refer to, invite or name (staff)")
async def list_directory_agencies(
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    q: Search = None,
    type: Annotated[AgencyType | None, Query(description="Only agencies of this type")] = None,
    branch_code: BranchFilter = None,
) -> Response:
    rows = await directory.agencies(unit, principal, page, q=q, type_=type, branch_code=branch_code)
    items, next_cursor = cut(rows, page, lambda a: [a.code])
    return json_response(Page[DirectoryAgency](items=[DirectoryAgency.model_validate(a) for a in items],
                                               next_cursor=next_cursor))


@router.get("/v1/directory/users", operation_id="list_directory_users", response_model=Page[DirectoryUser],
            summary="Active staff: name, reading, role, agency and branches, in 50音順 (staff)")
async def list_directory_users(
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    q: Search = None,
    role: Annotated[Role | None, Query()] = None,
    agency_id: Annotated[uuid.UUID | None, Query()] = None,
    branch_code: BranchFilter = None,
) -> Response:
    rows = await directory.users(unit, principal, page, q=q, role=role, agency_id=agency_id, branch_code=branch_code)
    items, next_cursor = cut(rows, page, lambda u: [u["sort_key"], str(u["id"])])
    return json_response(Page[DirectoryUser](items=[DirectoryUser.model_validate(dict(u)) for u in items],
                                             next_cursor=next_cursor))
