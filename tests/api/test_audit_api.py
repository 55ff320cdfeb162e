"""The auditor's search over the audit trail, and the hash-chain check that finds a tampered row."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from api.cli import alembic_config, main
from api.config import Settings, get_settings
from api.db import audit_chain
from api.db.engine import create_database, create_engine, drop_database
from api.db.models import AuditEvent
from tests.world import PASSWORD, World

AUDIT = "/v1/audit-events"


async def make_some_events(client: httpx.AsyncClient, world: World) -> None:
    await client.post("/v1/auth/token", data={"grant_type": "password", "username": "t.caseworker",
                                              "password": "wrong password"})
    await client.post("/v1/auth/token", data={"grant_type": "password", "username": "t.caseworker",
                                              "password": PASSWORD})
    await client.get("/v1/users", headers=world.auth("coordinator"))  # denied
    await client.post("/v1/agencies", headers=world.auth("admin"), json={
        "code": "audit_probe", "name_ja": "監査", "name_en": "Probe", "type": "workshop"})


async def items(client: httpx.AsyncClient, world: World, **params: str) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params=params, headers=world.auth("auditor"))
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


async def test_auditor_sees_rows_with_their_hashes_newest_first(client: httpx.AsyncClient, world: World) -> None:
    await make_some_events(client, world)
    response = await client.get(AUDIT, headers=world.auth("auditor"))
    assert response.headers["cache-control"] == "no-store"
    rows = response.json()["items"]
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs, reverse=True)
    newest = rows[0]
    assert set(newest) >= {"seq", "id", "at", "actor_id", "role", "action", "resource_type", "resource_id",
                           "client_id", "outcome", "request_id", "client_addr", "prev_hash", "hash"}
    # Each row's prev_hash is the hash of the row before it in the chain.
    for later, earlier in pairwise(rows):
        if later["seq"] == earlier["seq"] + 1:
            assert later["prev_hash"] == earlier["hash"]


async def test_filters(client: httpx.AsyncClient, world: World) -> None:
    await make_some_events(client, world)
    failed = await items(client, world, action="login_failed")
    assert failed
    assert {r["action"] for r in failed} == {"login_failed"}
    assert {r["outcome"] for r in await items(client, world, outcome="denied")} == {"denied"}
    mine = await items(client, world, actor_id=str(world.users["admin"]), resource_type="agency")
    assert [(r["action"], r["subject"]) for r in mine] == [("create", "audit_probe")]
    assert await items(client, world, client_id=str(uuid.uuid4())) == []

    now = datetime.now(UTC)
    recent = await items(client, world, **{"from": (now - timedelta(minutes=5)).isoformat(),
                                           "to": (now + timedelta(minutes=5)).isoformat()})
    assert {"login_failed", "login", "denied", "create"} <= {r["action"] for r in recent}
    assert await items(client, world, **{"to": "2010-04-01T00:00:00+09:00"}) == []


async def test_times_need_an_offset(client: httpx.AsyncClient, world: World) -> None:
    auditor = world.auth("auditor")
    assert (await client.get(AUDIT, params={"from": "2010-07-21T14:00:00"}, headers=auditor)).status_code == 422
    reversed_range = {"from": "2010-07-22T00:00:00+09:00", "to": "2010-07-21T00:00:00+09:00"}
    assert (await client.get(AUDIT, params=reversed_range, headers=auditor)).status_code == 422


async def test_pages_are_stable_while_new_events_arrive(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(3):
        await make_some_events(client, world)
    auditor = world.auth("auditor")
    first = (await client.get(AUDIT, params={"limit": "4"}, headers=auditor)).json()
    seen = [r["seq"] for r in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await client.get(AUDIT, params={"limit": "4", "cursor": cursor}, headers=auditor)).json()
        seen.extend(r["seq"] for r in page["items"])
        cursor = page["next_cursor"]
    # Each page read appended an audit row of its own, at the top; none of them slipped in between.
    assert seen == sorted(set(seen), reverse=True)
    assert seen[-1] == min(seen)


async def test_reading_the_trail_is_itself_audited(client: httpx.AsyncClient, world: World,
                                                   db: AsyncSession) -> None:
    target = uuid.uuid4()
    await client.get(AUDIT, params={"client_id": str(target), "action": "read"}, headers=world.auth("auditor"))
    row = await db.scalar(select(AuditEvent).where(AuditEvent.actor_id == world.users["auditor"],
                                                   AuditEvent.resource_type == "audit_event"))
    assert row is not None
    assert row.action == "read"
    assert row.client_id == target  # a disclosure report on that person shows who looked
    assert row.detail == {"filters": {"client_id": str(target), "action": "read"}, "returned": 0}


# --- the hash chain -------------------------------------------------------------------------

async def tamper(conn: AsyncConnection, seq: int) -> None:
    """What someone with database superuser rights could do: bypass the append-only trigger."""
    await conn.execute(text("SET LOCAL session_replication_role = replica"))
    await conn.execute(text("UPDATE audit_event SET actor_name = 'someone else' WHERE seq = :seq"), {"seq": seq})
    await conn.execute(text("SET LOCAL session_replication_role = origin"))


async def test_chain_verifies_and_names_a_tampered_row(client: httpx.AsyncClient, world: World,
                                                       conn: AsyncConnection) -> None:
    await make_some_events(client, world)
    intact = await audit_chain.verify(conn)
    assert intact.ok
    assert intact.checked >= 4
    seqs = (await conn.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(3))).all()
    victim = seqs[1]
    await tamper(conn, victim)
    report = await audit_chain.verify(conn)
    assert not report.ok
    assert report.first_broken_seq == victim
    assert report.reason == "content does not match its hash"


@pytest.fixture
async def scratch_url(server_url: str) -> AsyncIterator[str]:
    """A database of its own: the command opens its own connections and sees only committed rows."""
    name = f"iko_verify_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    try:
        yield url
    finally:
        await drop_database(server_url, name)


async def run_verify_audit(url: str, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        await asyncio.to_thread(main, ["verify-audit"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        get_settings.cache_clear()
    return code, capsys.readouterr().out


async def test_verify_audit_command(scratch_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    engine = create_engine(scratch_url, settings, pool_size=1)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            events = [audit_chain.PendingEvent(action="read", resource_type="probe", resource_id=str(i),
                                               actor={"actor_kind": "system"}) for i in range(5)]
            await audit_chain.append(session, events, {"request_id": "verify-test"})
            await session.commit()
        code, out = await run_verify_audit(scratch_url, monkeypatch, capsys)
        assert code == 0
        assert "intact: 5 events" in out

        async with engine.begin() as conn:
            victim = await conn.scalar(text("SELECT seq FROM audit_event WHERE resource_id = '2'"))
            await tamper(conn, victim)
        code, out = await run_verify_audit(scratch_url, monkeypatch, capsys)
        assert code == 1
        assert f"BROKEN at seq {victim}" in out
    finally:
        await engine.dispose()
