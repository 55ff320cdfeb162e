"""Migrations are the only way the schema changes: they round-trip on a database holding rows,
and they match the models exactly."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

import orjson
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
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


async def test_audit_rows_cannot_be_updated_or_deleted(db: Any, settings: Settings) -> None:
    from api.db import audit_writer
    from api.db.models import AuditEvent
    from api.security import KeyRing
    from api.services.audit_sealer import LEAF_COLUMNS, Signer, _log_end, extend

    await audit_writer.append(
        db, [audit_writer.PendingEvent(action="read", resource_type="probe", actor={"actor_kind": "system"})], {}
    )
    conn = await db.connection()
    size, _last_xid, last_seq = await _log_end(conn)
    rows = (await conn.execute(select(*LEAF_COLUMNS).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq))).all()
    await extend(conn, list(rows), size, Signer(KeyRing.from_settings(settings), settings.audit_log_origin))
    # The Merkle log's tables too: a sealed position, a cached subtree or a checkpoint never changes
    # (one event caches no subtree, so audit_subtree is only tried with TRUNCATE).
    statements = [f"{verb} {table}" for table in ("audit_event", "audit_leaf", "audit_checkpoint")
                  for verb in ("DELETE FROM", "TRUNCATE")]
    statements.append("TRUNCATE audit_subtree")
    for statement in ("UPDATE audit_event SET outcome = 'x'", "UPDATE audit_leaf SET leaf_index = 0",
                      "UPDATE audit_checkpoint SET note = ''", *statements):
        nested = await db.begin_nested()
        try:
            with pytest.raises(DBAPIError, match=r"append-only|referenced in a foreign key"):
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


def _chain_hash(prev: str, row: dict[str, Any]) -> str:
    """The hash chain's formula before the Merkle log (revision 311f35f75a23)."""
    from datetime import datetime

    def canonical(v: Any) -> Any:
        return v.isoformat(timespec="microseconds") if isinstance(v, datetime) else str(v) if isinstance(
            v, uuid.UUID) else v

    from api.domain.audit_log_format import LEAF_FIELDS
    payload = orjson.dumps([prev, *(canonical(row.get(n)) for n in LEAF_FIELDS)], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(payload).hexdigest()


async def _chain_rows(engine: Any) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT * FROM audit_event ORDER BY seq"))
        return [dict(r) for r in result.mappings()]


async def test_the_hash_chain_becomes_the_first_leaves_and_comes_back(server_url: str, settings: Settings) -> None:
    from datetime import UTC, datetime

    from api.db import audit_writer
    from api.security import KeyRing
    from api.services.audit_check import verify_log
    from api.services.audit_sealer import AuditSealer

    name = f"iko_mig_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    config = alembic_config(url)
    engine = create_engine(url, settings, pool_size=2)
    try:
        await asyncio.to_thread(command.upgrade, config, "311f35f75a23")
        prev = "0" * 64
        async with engine.begin() as conn:
            for i in range(3):
                row = {"id": uuid.uuid4(), "at": datetime.now(UTC), "actor_kind": "system", "action": "read",
                       "resource_type": "probe", "resource_id": str(i), "outcome": "success",
                       "detail": {"n": i, "名前": "試験"}}
                digest = _chain_hash(prev, row)
                await conn.execute(text(
                    "INSERT INTO audit_event (id, at, actor_kind, action, resource_type, resource_id, outcome, detail,"
                    " prev_hash, hash) VALUES (:id, :at, :actor_kind, :action, :resource_type, :resource_id,"
                    " :outcome, CAST(:detail AS jsonb), :prev, :hash)"),
                    {**row, "detail": orjson.dumps(row["detail"]).decode(), "prev": prev, "hash": digest})
                prev = digest
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as conn:
            leaves = (await conn.execute(text(
                "SELECT e.resource_id FROM audit_leaf l JOIN audit_event e ON e.seq = l.event_seq "
                "ORDER BY l.leaf_index"))).scalars().all()
        assert leaves == ["0", "1", "2"]  # in chain order

        here = settings.model_copy(update={"database_url": url})
        keys = KeyRing.from_settings(here)
        sealer = AuditSealer(engine, here, keys)
        assert await sealer.seal_until_current() == 3  # the first checkpoint signs the converted chain
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            await audit_writer.append(session, [audit_writer.PendingEvent(
                action="read", resource_type="probe", resource_id="3", actor={"actor_kind": "system"})], {})
            await session.commit()
        assert await sealer.seal_until_current() == 4
        async with engine.connect() as conn:
            report = await verify_log(conn, keys, here.audit_log_origin, 60)
        assert report.ok, report.problems
        assert (report.leaves, report.checkpoints) == (4, 2)

        await asyncio.to_thread(command.downgrade, config, "311f35f75a23")
        prev = "0" * 64
        rows = await _chain_rows(engine)
        assert [r["resource_id"] for r in rows] == ["0", "1", "2", "3"]
        for r in rows:  # the old verify-audit's check, row by row
            if isinstance(r["detail"], str):
                r["detail"] = orjson.loads(r["detail"])
            assert r["prev_hash"] == prev
            assert r["hash"] == _chain_hash(prev, r)
            prev = r["hash"]
    finally:
        await engine.dispose()
        await drop_database(server_url, name)
