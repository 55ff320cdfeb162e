"""Creating the first admin on a new installation (the CLI's create-admin)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.engine import create_engine
from api.db.models import Agency, UserAccount
from api.security import hash_password

ADMIN_AGENCY_CODE = "ward_admin_office"


async def ensure_admin_agency(session: AsyncSession) -> Agency:
    agency = await session.scalar(select(Agency).where(Agency.code == ADMIN_AGENCY_CODE))
    if agency is None:
        agency = Agency(code=ADMIN_AGENCY_CODE, name_ja="世田谷区 システム管理", name_en="Ward system administration",
                        type="ward_branch")
        session.add(agency)
        await session.flush()
    return agency


async def create_first_admin(settings: Settings, username: str, display_name: str, password: str) -> None:
    assert settings.database_url
    engine = create_engine(settings.database_url, settings, pool_size=1)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            taken = await session.scalar(
                select(func.count())
                .select_from(UserAccount)
                .where(func.lower(UserAccount.username) == username.lower())
            )
            if taken:
                raise SystemExit(f"a user named {username!r} exists already")
            agency = await ensure_admin_agency(session)
            session.add(UserAccount(username=username, display_name=display_name, role="admin",
                                    agency_id=agency.id, branch_codes=[], password_hash=hash_password(password)))
            await session.commit()
    finally:
        await engine.dispose()
