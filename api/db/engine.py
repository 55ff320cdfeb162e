"""The async engine, its session factory, and database housekeeping used by the CLI and tests."""

from __future__ import annotations

import orjson
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from api.config import Settings


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// too; the service always speaks asyncpg."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://") :]
    return url


def create_engine(url: str, settings: Settings, *, pool_size: int | None = None) -> AsyncEngine:
    return create_async_engine(
        normalise_url(url),
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=False,
        # JSON and JSONB columns are read with orjson (the standard library's decoder was most of
        # the CPU of reading a statistics release).
        json_deserializer=orjson.loads,
        pool_timeout=settings.db_connect_timeout_s,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "application_name": "setagaya-iko-api",
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "timezone": "UTC",
            },
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def create_database(server_url: str, name: str, *, drop_first: bool = False) -> str:
    """Create database `name` on the server of `server_url` and return the URL that points at it."""
    admin = create_async_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT", poolclass=None)
    try:
        async with admin.connect() as conn:
            if drop_first:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = await conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(normalise_url(server_url)).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, name: str) -> None:
    admin = create_async_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
