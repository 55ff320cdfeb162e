"""Staff accounts, managed by the admin. Role, agency, branches and the active flag are read from
the database on every request (api.deps), so each change here applies from the next request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import RefreshToken, UserAccount
from api.db.unit import RequestUnit
from api.domain.access_rules import locks_self_out
from api.domain.principal import Principal
from api.domain.roles import Role
from api.messages import msg
from api.pagination import PageParams, keyset
from api.problems import Problem, id_taken, not_found
from api.schemas.identity import UserCreate, UserUpdate
from api.security import hash_password
from api.services.agencies import require_agency, require_branches
from api.services.auth import cut_off_tokens


async def get(session: AsyncSession, user_id: uuid.UUID) -> UserAccount:
    user = await session.get(UserAccount, user_id)
    if user is None:
        raise not_found("what.user")
    return user


async def list_page(session: AsyncSession, page: PageParams, *, role: str | None, agency_id: uuid.UUID | None,
                    active: bool | None) -> Sequence[UserAccount]:
    stmt = select(UserAccount)
    if role is not None:
        stmt = stmt.where(UserAccount.role == role)
    if agency_id is not None:
        stmt = stmt.where(UserAccount.agency_id == agency_id)
    if active is not None:
        stmt = stmt.where(UserAccount.active.is_(active))
    if page.updated_since is not None:
        stmt = stmt.where(UserAccount.updated_at > page.updated_since)
    return (await session.scalars(keyset(stmt, [UserAccount.username], page))).all()


async def _end_logins(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Every refresh token of the user stops working (its access tokens die with `cut_off_tokens`)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def create(unit: RequestUnit, body: UserCreate) -> UserAccount:
    session = unit.session
    if body.id is not None and await session.get(UserAccount, body.id) is not None:
        raise id_taken()
    taken = await session.scalar(
        select(func.count()).select_from(UserAccount).where(func.lower(UserAccount.username) == body.username.lower())
    )
    if taken:
        raise Problem("conflict", msg("record.code_taken", what=msg("what.username"), value=body.username))
    await require_agency(session, body.agency_id)
    await require_branches(session, body.branch_codes, "branch_codes")
    user = UserAccount(id=body.id or uuid.uuid4(), username=body.username, display_name=body.display_name,
                       display_name_kana=body.display_name_kana, role=body.role.value, agency_id=body.agency_id,
                       branch_codes=sorted(set(body.branch_codes)), password_hash=hash_password(body.password),
                       active=body.active)
    session.add(user)
    await session.flush()
    await session.refresh(user)
    unit.audit("create", "user", resource_id=user.id, subject=user.username, detail={"role": user.role})
    return user


async def update_user(unit: RequestUnit, admin: Principal, user: UserAccount, body: UserUpdate) -> UserAccount:
    session = unit.session
    changes = body.changes()
    if locks_self_out(admin, user.id, changes):
        # Another admin has to do it (and stays to undo it).
        raise Problem("conflict", msg("user.self_lockout"))
    if "agency_id" in changes:
        await require_agency(session, changes["agency_id"])
    if "branch_codes" in changes:
        await require_branches(session, changes["branch_codes"], "branch_codes")
        changes["branch_codes"] = sorted(set(changes["branch_codes"]))
    if any(changes[k] != getattr(user, k) for k in ("active", "role", "agency_id") if k in changes):
        cut_off_tokens(user)  # tokens issued before a disable, re-enable or new role are refused for good
    for name, value in changes.items():
        setattr(user, name, value.value if isinstance(value, Role) else value)
    if changes.get("active") is False:
        await _end_logins(session, user.id)
    await session.flush()
    await session.refresh(user)
    unit.audit("update", "user", resource_id=user.id, subject=user.username, detail={"changed": sorted(changes)})
    return user


async def reset_password(unit: RequestUnit, user: UserAccount, password: str) -> UserAccount:
    """Sets a new password and ends the user's logins (a reset usually follows a leak)."""
    session = unit.session
    user.password_hash = hash_password(password)
    cut_off_tokens(user)
    await _end_logins(session, user.id)
    await session.flush()
    await session.refresh(user)
    unit.audit("update", "user", resource_id=user.id, subject=user.username, detail={"changed": ["password"]})
    return user
