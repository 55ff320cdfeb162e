"""Agencies, managed by the admin: create, update (deactivate through `active`), list, read."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Agency, Branch
from api.db.unit import RequestUnit
from api.messages import msg
from api.pagination import PageParams, keyset
from api.problems import Problem, id_taken, invalid_field, not_found
from api.schemas.identity import AgencyCreate, AgencyUpdate
from api.services.auth import cut_off_tokens

_MAX_PARENT_DEPTH = 32


async def require_agency(session: AsyncSession, agency_id: uuid.UUID, field: str = "agency_id") -> Agency:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise invalid_field(field, msg("field.unknown_reference", what=msg("what.agency")), "reference")
    return agency


async def require_branches(session: AsyncSession, codes: Sequence[str], field: str) -> None:
    if not codes:
        return
    known = set((await session.scalars(select(Branch.code).where(Branch.code.in_(list(codes))))).all())
    unknown = sorted(set(codes) - known)
    if unknown:
        raise invalid_field(field, msg("field.unknown_codes", what=msg("what.branch"), codes=unknown), "reference")


async def get(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    agency = await session.get(Agency, agency_id)
    if agency is None:
        raise not_found("what.agency")
    return agency


async def list_page(session: AsyncSession, page: PageParams, *, type_: str | None,
                    active: bool | None) -> Sequence[Agency]:
    stmt = select(Agency)
    if type_ is not None:
        stmt = stmt.where(Agency.type == type_)
    if active is not None:
        stmt = stmt.where(Agency.active.is_(active))
    if page.updated_since is not None:
        stmt = stmt.where(Agency.updated_at > page.updated_since)
    return (await session.scalars(keyset(stmt, [Agency.code], page))).all()


async def _check_parent(session: AsyncSession, agency_id: uuid.UUID | None, parent_id: uuid.UUID) -> None:
    """The parent exists and the agency is not its own ancestor."""
    current: uuid.UUID | None = parent_id
    for _ in range(_MAX_PARENT_DEPTH):
        if current is None:
            return
        if current == agency_id:
            raise invalid_field("parent_id", msg("agency.own_ancestor"), "reference")
        parent = await session.get(Agency, current)
        if parent is None:
            raise invalid_field("parent_id", msg("field.unknown_reference", what=msg("what.agency")), "reference")
        current = parent.parent_id
    raise invalid_field("parent_id", msg("agency.too_deep"), "reference")


async def create(unit: RequestUnit, body: AgencyCreate) -> Agency:
    session = unit.session
    if body.id is not None and await session.get(Agency, body.id) is not None:
        raise id_taken()
    if await session.scalar(select(func.count()).select_from(Agency).where(Agency.code == body.code)):
        raise Problem("conflict", msg("record.code_taken", what=msg("what.agency_code"), value=body.code))
    if body.branch_code is not None:
        await require_branches(session, [body.branch_code], "branch_code")
    if body.parent_id is not None:
        await _check_parent(session, body.id, body.parent_id)
    agency = Agency(id=body.id or uuid.uuid4(), code=body.code, name_ja=body.name_ja, name_en=body.name_en,
                    type=body.type.value, branch_code=body.branch_code, parent_id=body.parent_id,
                    active=body.active)
    session.add(agency)
    await session.flush()
    await session.refresh(agency)
    unit.audit("create", "agency", resource_id=agency.id, subject=agency.code)
    return agency


async def update(unit: RequestUnit, agency: Agency, body: AgencyUpdate) -> Agency:
    session = unit.session
    changes = body.changes()
    if changes.get("branch_code") is not None:
        await require_branches(session, [changes["branch_code"]], "branch_code")
    if changes.get("parent_id") is not None:
        await _check_parent(session, agency.id, changes["parent_id"])
    if "active" in changes and changes["active"] != agency.active:
        cut_off_tokens(agency)  # its people's and machines' tokens from before a disable never come back
    for name, value in changes.items():
        setattr(agency, name, value.value if name == "type" else value)
    await session.flush()
    await session.refresh(agency)
    unit.audit("update", "agency", resource_id=agency.id, subject=agency.code, detail={"changed": sorted(changes)})
    return agency
