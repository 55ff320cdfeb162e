from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy import select

from api.conventions import IdempotencyKeyDep, IfMatchDep, check_version, idempotent, json_response, list_response
from api.db.models import Agency, Branch, Programme
from api.deps import PrincipalDep, UnitDep, require_roles
from api.domain.codes import LISTS
from api.domain.principal import Principal
from api.domain.roles import Role
from api.problems import Problem, not_found
from api.routing import CommitRoute
from api.schemas.common import Label, ProgrammeCreate, ProgrammeRead, ProgrammeUpdate, ReferenceList

router = APIRouter(tags=["reference"], route_class=CommitRoute)

AdminDep = Annotated[Principal, Depends(require_roles(Role.admin))]
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
        rows = (await unit.session.scalars(select(Programme).where(Programme.active).order_by(Programme.code))).all()
        return ReferenceList(name=name, items=[Label(code=p.code, ja=p.name_ja, en=p.name_en) for p in rows])
    if name == "branches":
        branches = (await unit.session.scalars(select(Branch).order_by(Branch.sort_order))).all()
        return ReferenceList(name=name, items=[Label(code=b.code, ja=b.name_ja, en=b.name_en) for b in branches])
    codes = LISTS.get(name)
    if codes is None:
        raise Problem("not-found", f"No coded list {name!r}; see GET /v1/reference.")
    return ReferenceList(name=name, items=[Label(code=c.code, ja=c.ja, en=c.en, group=c.group) for c in codes])


@router.get("/v1/programmes", operation_id="list_programmes", summary="Support programmes (事業)",
            response_model=list[ProgrammeRead])
async def list_programmes(principal: PrincipalDep, unit: UnitDep) -> Response:
    rows = (await unit.session.scalars(select(Programme).order_by(Programme.code))).all()
    return list_response([ProgrammeRead.model_validate(p) for p in rows], private=False)


async def _check_agencies(unit: UnitDep, ids: list[uuid.UUID]) -> None:
    found = set((await unit.session.scalars(select(Agency.id).where(Agency.id.in_(ids)))).all())
    if set(ids) - found:
        raise Problem("validation", "operating_agency_ids names unknown agencies.")


@router.post("/v1/programmes", operation_id="create_programme", summary="Add a programme (admin)", status_code=201,
             response_model=ProgrammeRead)
async def create_programme(body: ProgrammeCreate, principal: AdminDep, unit: UnitDep,
                           idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        await _check_agencies(unit, body.operating_agency_ids)
        if await unit.session.scalar(select(Programme.id).where(Programme.code == body.code)):
            raise Problem("conflict", f"A programme with code {body.code!r} exists.")
        programme = Programme(id=body.id or uuid.uuid4(), **body.model_dump(exclude={"id"}))
        unit.session.add(programme)
        await unit.session.flush()
        unit.audit("create", "programme", resource_id=programme.id)
        return json_response(ProgrammeRead.model_validate(programme), status_code=201, version=programme.version,
                             private=False)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch("/v1/programmes/{programme_id}", operation_id="update_programme",
              summary="Change a programme (admin, If-Match)", response_model=ProgrammeRead)
async def update_programme(programme_id: uuid.UUID, body: ProgrammeUpdate, expected: IfMatchDep, principal: AdminDep,
                           unit: UnitDep) -> Response:
    programme = await unit.session.get(Programme, programme_id, with_for_update=True)
    if programme is None:
        raise not_found("programme")
    check_version(programme.version, expected)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("operating_agency_ids"):
        await _check_agencies(unit, changes["operating_agency_ids"])
    for field, value in changes.items():
        if value is None:
            raise Problem("validation", f"{field} cannot be emptied.")
        setattr(programme, field, value)
    await unit.session.flush()
    unit.audit("update", "programme", resource_id=programme.id)
    return json_response(ProgrammeRead.model_validate(programme), version=programme.version, private=False)
