"""Migrations are the only way the schema changes: they round-trip on a database holding rows,
and they match the models exactly."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, create_engine, drop_database
from api.db.models import Base
from api.demo.load import seed_all


async def test_upgrade_downgrade_upgrade_with_rows(server_url: str, settings: Settings) -> None:
    name = f"iko_mig_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    try:
        config = alembic_config(url)
        await asyncio.to_thread(command.upgrade, config, "head")
        engine = create_engine(url, settings, pool_size=1)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                await seed_all(session)
                await session.commit()
            await asyncio.to_thread(command.downgrade, config, "base")
            async with engine.connect() as conn:
                tables = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            assert tables == 0
            await asyncio.to_thread(command.upgrade, config, "head")
            async with engine.connect() as conn:
                assert await conn.scalar(text("SELECT count(*) FROM user_account")) == 0
        finally:
            await engine.dispose()
    finally:
        await drop_database(server_url, name)


async def test_models_and_migrations_do_not_drift(database_url: str, settings: Settings) -> None:
    engine = create_engine(database_url, settings, pool_size=1)

    def diff(sync_conn: Any) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == [], f"models and migrations differ; add a revision: {differences}"


async def test_audit_rows_cannot_be_updated_or_deleted(db: Any) -> None:
    from api.db import audit_chain

    await audit_chain.append(
        db, [audit_chain.PendingEvent(action="read", resource_type="probe", actor={"actor_kind": "system"})], {}
    )
    for statement in ("UPDATE audit_event SET outcome = 'x'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        nested = await db.begin_nested()
        try:
            with pytest.raises(DBAPIError, match="append-only"):
                await db.execute(text(statement))
        finally:
            await nested.rollback()


async def test_old_delivery_log_detail_is_reduced_to_coarse_outcomes(server_url: str, settings: Settings) -> None:
    """Issue 14, finding 3: attempts logged before the fix kept the network error's text, which
    the delivery log showed to the subscriber; upgrading leaves only the classes."""
    name = f"iko_mig_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    try:
        config = alembic_config(url)
        await asyncio.to_thread(command.upgrade, config, "c3d9a8f2e147")
        engine = create_engine(url, settings, pool_size=1)
        try:
            async with engine.begin() as conn:
                agency = await conn.scalar(text(
                    "INSERT INTO agency (id, code, name_ja, name_en, type) VALUES (gen_random_uuid(), 'a', 'a', 'a', "
                    "'psychiatric_hospital') RETURNING id"))
                sub = await conn.scalar(text(
                    "INSERT INTO webhook_subscription (id, agency_id, url, events, secret, created_by) VALUES "
                    "(gen_random_uuid(), :a, 'https://x.example/', '{*}', 'whsec_x', gen_random_uuid()) RETURNING id"),
                    {"a": agency})
                for error in ("ConnectError: [Errno 111] Connection refused", "HTTP 503", "HTTP 404", None):
                    delivery = await conn.scalar(text(
                        "INSERT INTO webhook_outbox (id, event_id, subscription_id, event_type, resource_type, "
                        "resource_id, payload, last_error) VALUES (gen_random_uuid(), gen_random_uuid(), :s, 'a.b', "
                        "'r', gen_random_uuid(), '{}', :e) RETURNING id"), {"s": sub, "e": error})
                    await conn.execute(text(
                        "INSERT INTO webhook_delivery_attempt (id, delivery_id, attempt, at, error, duration_ms, "
                        "succeeded) VALUES (gen_random_uuid(), :d, 1, now(), :e, 5, false)"),
                        {"d": delivery, "e": error})
            await asyncio.to_thread(command.upgrade, config, "d5a1e9b3c802")
            async with engine.connect() as conn:
                attempts = sorted(map(str, await conn.scalars(text("SELECT error FROM webhook_delivery_attempt"))))
                outbox = sorted(map(str, await conn.scalars(text("SELECT last_error FROM webhook_outbox"))))
            assert attempts == outbox == ["None", "http_4xx", "http_5xx", "unreachable"]
        finally:
            await engine.dispose()
    finally:
        await drop_database(server_url, name)
