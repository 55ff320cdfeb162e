from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.domain.codes import LISTS
from api.messages import msg
from api.problems import Problem
from api.routing import CommitRoute
from api.schemas.common import Label, ProgrammeCreate, ProgrammeRead, ProgrammeUpdate, ReferenceList
from api.services import programmes

router = APIRouter(tags=["reference"], route_class=CommitRoute)

LIST_NAMES = sorted([*LISTS, "programmes", "branches"])


@router.get("/v1/reference", operation_id="list_reference_lists", summary="Names of the coded lists",
            response_model=list[str])
async def list_reference_lists(principal: PrincipalDep) -> list[str]:
    return LIST_NAMES


@router.get("/v1/reference/{name}", operation_id="get_reference_list",
            summary="A coded list with Japanese and English labels", response_model=ReferenceList)
async def get_reference_list(name: Annotated[str, Path(max_length=40)], principal: PrincipalDep,
                             unit: UnitDep) -> ReferenceList:
    if name == "programmes":
        rows = await programmes.all_programmes(unit, active_only=True)
        return ReferenceList(name=name, items=[Label(code=p.code, ja=p.name_ja, en=p.name_en) for p in rows])
    if name == "branches":
        branches = await programmes.all_branches(unit)
        return ReferenceList(name=name, items=[Label(code=b.code, ja=b.name_ja, en=b.name_en) for b in branches])
    codes = LISTS.get(name)
    if codes is None:
        raise Problem("not-found", msg("not_found", what=msg("what.coded_list", name=name)))
    return ReferenceList(name=name, items=[Label(code=c.code, ja=c.ja, en=c.en, group=c.group) for c in codes])


@router.get("/v1/programmes", operation_id="list_programmes", summary="Support programmes (事業)",
            response_model=list[ProgrammeRead])
async def list_programmes(principal: PrincipalDep, unit: UnitDep) -> Response:
    rows = await programmes.all_programmes(unit)
    return list_response([ProgrammeRead.model_validate(p) for p in rows], private=False)


@router.post("/v1/programmes", operation_id="create_programme", summary="Add a programme (admin)", status_code=201,
             response_model=ProgrammeRead)
async def create_programme(body: ProgrammeCreate, principal: PrincipalDep, unit: UnitDep,
                           idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        programme = await programmes.create(unit, principal, body)
        return json_response(ProgrammeRead.model_validate(programme), status_code=201, version=programme.version,
                             private=False)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch("/v1/programmes/{programme_id}", operation_id="update_programme",
              summary="Change a programme (admin, If-Match)", response_model=ProgrammeRead)
async def update_programme(programme_id: uuid.UUID, body: ProgrammeUpdate, expected: IfMatchDep,
                           principal: PrincipalDep, unit: UnitDep) -> Response:
    programme = await programmes.update(unit, principal, programme_id, body, expected)
    return json_response(ProgrammeRead.model_validate(programme), version=programme.version, private=False)
