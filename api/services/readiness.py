from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def schema_version(engine: AsyncEngine) -> str | None:
    """The Alembic revision the database is at; raises when the database cannot be reached."""
    async with engine.connect() as conn:
        version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    return None if version is None else str(version)
