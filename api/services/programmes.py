"""Programmes (事業) are data: admins add and change them; everyone signed in reads them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from api.conventions import check_version
from api.db.models import Agency, Branch, Programme
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, not_found
from api.schemas.common import ProgrammeCreate, ProgrammeUpdate
from api.services.guard import require


async def all_programmes(unit: RequestUnit, *, active_only: bool = False) -> Sequence[Programme]:
    stmt = select(Programme).order_by(Programme.code)
    if active_only:
        stmt = stmt.where(Programme.active)
    return (await unit.session.scalars(stmt)).all()


async def all_branches(unit: RequestUnit) -> Sequence[Branch]:
    return (await unit.session.scalars(select(Branch).order_by(Branch.sort_order))).all()


async def _check_agencies(unit: RequestUnit, ids: list[uuid.UUID]) -> None:
    found = set((await unit.session.scalars(select(Agency.id).where(Agency.id.in_(ids)))).all())
    if set(ids) - found:
        raise Problem("validation", msg("programme.unknown_agencies"))


async def create(unit: RequestUnit, principal: Principal, body: ProgrammeCreate) -> Programme:
    require(unit, principal, Action.programme_manage, resource_type="programme")
    await _check_agencies(unit, body.operating_agency_ids)
    if await unit.session.scalar(select(Programme.id).where(Programme.code == body.code)):
        raise Problem("conflict", msg("record.code_taken", what=msg("what.programme_code"), value=body.code))
    programme = Programme(id=body.id or uuid.uuid4(), **body.model_dump(exclude={"id"}))
    unit.session.add(programme)
    await unit.session.flush()
    unit.audit("create", "programme", resource_id=programme.id)
    return programme


async def update(unit: RequestUnit, principal: Principal, programme_id: uuid.UUID, body: ProgrammeUpdate,
                 expected: int) -> Programme:
    require(unit, principal, Action.programme_manage, resource_type="programme", resource_id=programme_id)
    programme = await unit.session.get(Programme, programme_id, with_for_update=True)
    if programme is None:
        raise not_found("what.programme")
    check_version(programme.version, expected)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("operating_agency_ids"):
        await _check_agencies(unit, changes["operating_agency_ids"])
    for field, value in changes.items():
        if value is None:
            raise Problem("validation", msg("field.cannot_be_null", field=field))
        setattr(programme, field, value)
    await unit.session.flush()
    unit.audit("update", "programme", resource_id=programme.id)
    return programme
