"""Machine clients (partner-agency systems, scripted pulls), managed by the admin. The secret is
generated here, stored only as an Argon2 hash and handed out once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import ApiClient
from api.db.unit import RequestUnit
from api.messages import msg
from api.pagination import PageParams, keyset
from api.problems import Problem, id_taken, not_found
from api.schemas.identity import ApiClientCreate, ApiClientUpdate
from api.security import hash_password, new_opaque_token
from api.services.agencies import require_agency
from api.services.auth import cut_off_tokens


async def get(session: AsyncSession, client_pk: uuid.UUID) -> ApiClient:
    machine = await session.get(ApiClient, client_pk)
    if machine is None:
        raise not_found("what.api_client")
    return machine


async def list_page(session: AsyncSession, page: PageParams, *, role: str | None, agency_id: uuid.UUID | None,
                    active: bool | None) -> Sequence[ApiClient]:
    stmt = select(ApiClient)
    if role is not None:
        stmt = stmt.where(ApiClient.role == role)
    if agency_id is not None:
        stmt = stmt.where(ApiClient.agency_id == agency_id)
    if active is not None:
        stmt = stmt.where(ApiClient.active.is_(active))
    if page.updated_since is not None:
        stmt = stmt.where(ApiClient.updated_at > page.updated_since)
    return (await session.scalars(keyset(stmt, [ApiClient.client_id], page))).all()


async def create(unit: RequestUnit, body: ApiClientCreate) -> tuple[ApiClient, str]:
    session = unit.session
    if body.id is not None and await session.get(ApiClient, body.id) is not None:
        raise id_taken()
    if await session.scalar(select(func.count()).select_from(ApiClient).where(ApiClient.client_id == body.client_id)):
        raise Problem("conflict", msg("record.code_taken", what=msg("what.client_id"), value=body.client_id))
    await require_agency(session, body.agency_id)
    secret = new_opaque_token()
    machine = ApiClient(id=body.id or uuid.uuid4(), client_id=body.client_id, name=body.name, role=body.role.value,
                        agency_id=body.agency_id, secret_hash=hash_password(secret), active=body.active)
    session.add(machine)
    await session.flush()
    await session.refresh(machine)
    unit.audit("create", "api_client", resource_id=machine.id, subject=machine.client_id,
               detail={"role": machine.role})
    return machine, secret


async def update(unit: RequestUnit, machine: ApiClient, body: ApiClientUpdate) -> ApiClient:
    changes = body.changes()
    if any(changes[k] != getattr(machine, k) for k in ("active", "role", "agency_id") if k in changes):
        cut_off_tokens(machine)
    for name, value in changes.items():
        setattr(machine, name, value)
    await unit.session.flush()
    await unit.session.refresh(machine)
    unit.audit("update", "api_client", resource_id=machine.id, subject=machine.client_id,
               detail={"changed": sorted(changes)})
    return machine


async def rotate_secret(unit: RequestUnit, machine: ApiClient) -> tuple[ApiClient, str]:
    """The old secret stops working at once: the partner system must switch in the same step."""
    secret = new_opaque_token()
    machine.secret_hash = hash_password(secret)
    cut_off_tokens(machine)  # tokens got with the old secret end with it
    await unit.session.flush()
    await unit.session.refresh(machine)
    unit.audit("update", "api_client", resource_id=machine.id, subject=machine.client_id,
               detail={"changed": ["secret"]})
    return machine, secret
