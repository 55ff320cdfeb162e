"""The auditor's search over the audit trail; the Merkle log, its signed checkpoints and proofs as an
outside auditor checks them; and `verify-audit`, which finds a tampered row or a stalled sealer."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.cli import alembic_config, main
from api.config import Settings, get_settings
from api.db import audit_writer, merkle_store
from api.db.engine import create_database, create_engine, drop_database
from api.db.models import AuditEvent, AuditLeaf
from api.domain import audit_log_format, merkle
from api.security import KeyRing
from api.services import audit_check
from api.services.audit_sealer import LEAF_COLUMNS, Signer, _log_end, extend
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


async def test_auditor_sees_rows_newest_first(client: httpx.AsyncClient, world: World) -> None:
    await make_some_events(client, world)
    response = await client.get(AUDIT, headers=world.auth("auditor"))
    assert response.headers["cache-control"] == "no-store"
    rows = response.json()["items"]
    seqs = [r["seq"] for r in rows]
    assert seqs == sorted(seqs, reverse=True)
    newest = rows[0]
    assert set(newest) >= {"seq", "id", "at", "actor_id", "role", "action", "resource_type", "resource_id",
                           "client_id", "outcome", "request_id", "client_addr"}


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


# --- the Merkle log ---------------------------------------------------------------------------

VERIFIER = Path(__file__).resolve().parents[2] / "scripts" / "verify_audit_proof.py"


def signer(settings: Settings) -> Signer:
    return Signer(KeyRing.from_settings(settings), settings.audit_log_origin)


async def seal_in_test(conn: AsyncConnection, settings: Settings) -> int:
    """Seal the rows of the test's own, still open transaction: the real sealer waits for it to end;
    positions, hashes and signatures are the same. Returns the new tree size."""
    size, _, _ = await _log_end(conn)
    unsealed = ~select(AuditLeaf.event_seq).where(AuditLeaf.event_seq == AuditEvent.seq).exists()
    rows = (await conn.execute(select(*LEAF_COLUMNS).where(unsealed).order_by(AuditEvent.seq))).all()
    await extend(conn, list(rows), size, signer(settings))
    return size + len(rows)


def run_verifier(kind: str, tmp_path: Path, proof: dict[str, Any], jwks: dict[str, Any]) -> tuple[int, str]:
    (tmp_path / "proof.json").write_text(json.dumps(proof))
    (tmp_path / "jwks.json").write_text(json.dumps(jwks))
    done = subprocess.run([sys.executable, str(VERIFIER), kind, str(tmp_path / "proof.json"),
                           "--jwks", str(tmp_path / "jwks.json")], capture_output=True, text=True, check=False)
    return done.returncode, done.stdout + done.stderr


async def test_an_outsider_verifies_an_event_and_the_log_growth_offline(
        client: httpx.AsyncClient, world: World, conn: AsyncConnection, settings: Settings, tmp_path: Path) -> None:
    await make_some_events(client, world)
    first = await seal_in_test(conn, settings)
    for _ in range(3):
        await make_some_events(client, world)
    second = await seal_in_test(conn, settings)
    assert second > first
    jwks = (await client.get("/.well-known/jwks.json")).json()

    latest = (await client.get("/v1/audit/checkpoints/latest")).json()  # public: no token
    assert latest["tree_size"] == second
    assert latest["note"].startswith(f"{settings.audit_log_origin}\n{second}\n{latest['root_hash']}\n")
    assert latest["seal_lag_s"] >= 0

    failed = await items(client, world, action="login_failed")
    event_id = failed[-1]["id"]  # the oldest: sealed in the first checkpoint
    response = await client.get(f"{AUDIT}/{event_id}/proof", headers=world.auth("auditor"))
    assert response.status_code == 200, response.text
    proof = response.json()
    assert proof["checkpoint"]["tree_size"] == second
    assert json.loads(proof["leaf"])[audit_log_format.LEAF_FIELDS.index("action")] == "login_failed"
    code, out = run_verifier("inclusion", tmp_path, proof, jwks)
    assert code == 0, out
    assert f"entry {proof['leaf_index']} of the signed log of {second} entries" in out

    at_first = (await client.get(f"{AUDIT}/{event_id}/proof", params={"tree_size": str(first)},
                                 headers=world.auth("auditor"))).json()
    assert at_first["checkpoint"]["tree_size"] == first
    assert run_verifier("inclusion", tmp_path, at_first, jwks)[0] == 0

    consistency = (await client.get("/v1/audit/checkpoints/consistency",
                                    params={"first": str(first), "second": str(second)})).json()
    code, out = run_verifier("consistency", tmp_path, consistency, jwks)
    assert code == 0, out

    # Forgeries fail: another position, another event's content, a root the key never signed.
    assert run_verifier("inclusion", tmp_path, {**proof, "leaf_index": proof["leaf_index"] + 1}, jwks)[0] == 1
    other = json.loads(proof["leaf"])
    other[audit_log_format.LEAF_FIELDS.index("actor_name")] = "someone else"
    forged_leaf = json.dumps(other, separators=(",", ":"), ensure_ascii=False)
    forged_hash = base64.b64encode(merkle.leaf_hash(forged_leaf.encode())).decode()
    assert run_verifier("inclusion", tmp_path, {**proof, "leaf": forged_leaf, "leaf_hash": forged_hash}, jwks)[0] == 1
    bad_root = {**proof["checkpoint"], "root_hash": base64.b64encode(b"\0" * 32).decode()}
    bad_root["note"] = proof["checkpoint"]["note"].replace(proof["checkpoint"]["root_hash"], bad_root["root_hash"])
    assert run_verifier("inclusion", tmp_path, {**proof, "checkpoint": bad_root}, jwks)[0] == 1


async def test_proofs_answer_problems_for_what_is_not_in_the_log(client: httpx.AsyncClient, world: World,
                                                                 conn: AsyncConnection, settings: Settings) -> None:
    await make_some_events(client, world)
    size = await seal_in_test(conn, settings)
    auditor = world.auth("auditor")
    assert (await client.get(f"{AUDIT}/{uuid.uuid4()}/proof", headers=auditor)).status_code == 404
    await items(client, world)  # audited: a row after the checkpoint
    unsealed = (await items(client, world))[0]["id"]
    response = await client.get(f"{AUDIT}/{unsealed}/proof", headers=auditor)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/v1/audit/checkpoints/{size + 1}")).status_code == 404
    assert (await client.get(f"/v1/audit/checkpoints/{size}")).json()["tree_size"] == size
    bad = await client.get("/v1/audit/checkpoints/consistency", params={"first": str(size), "second": "1"})
    assert bad.status_code == 422


async def test_verify_log_names_a_tampered_row(client: httpx.AsyncClient, world: World,
                                               conn: AsyncConnection, settings: Settings) -> None:
    await make_some_events(client, world)
    await seal_in_test(conn, settings)
    keys = KeyRing.from_settings(settings)
    intact = await audit_check.verify_log(conn, keys, settings.audit_log_origin, 3600)
    assert intact.ok, intact.problems
    assert intact.leaves >= 4
    victim = await conn.scalar(select(AuditEvent.seq).join(AuditLeaf, AuditLeaf.event_seq == AuditEvent.seq)
                               .order_by(AuditLeaf.leaf_index.desc()).limit(1))
    await tamper(conn, victim)
    report = await audit_check.verify_log(conn, keys, settings.audit_log_origin, 3600)
    assert not report.ok
    assert any("does not match its leaf hash" in p for p in report.problems)


async def tamper(conn: AsyncConnection, seq: int) -> None:
    """What someone with database superuser rights could do: bypass the append-only trigger."""
    await conn.execute(text("SET LOCAL session_replication_role = replica"))
    await conn.execute(text("UPDATE audit_event SET actor_name = 'someone else' WHERE seq = :seq"), {"seq": seq})
    await conn.execute(text("SET LOCAL session_replication_role = origin"))


@pytest.fixture
async def scratch_url(server_url: str) -> AsyncIterator[str]:
    """A database of its own: the commands open their own connections and see only committed rows."""
    name = f"iko_verify_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    try:
        yield url
    finally:
        await drop_database(server_url, name)


async def run_cli(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                  *argv: str) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        await asyncio.to_thread(main, list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        get_settings.cache_clear()
    return code, capsys.readouterr().out


async def write_events(engine: AsyncEngine, n: int, tag: str) -> None:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        events = [audit_writer.PendingEvent(action="read", resource_type="probe", resource_id=f"{tag}{i}",
                                            actor={"actor_kind": "system"}) for i in range(n)]
        await audit_writer.append(session, events, {"request_id": "verify-test"})
        await session.commit()


async def test_sealer_and_verify_audit_commands(scratch_url: str, settings: Settings, tmp_data_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_data_dir))  # the same signing key as the test app
    engine = create_engine(scratch_url, settings, pool_size=2)
    try:
        await write_events(engine, 300, "a")  # more than one cached subtree of 256 leaves
        seal = ("sealer", "--once")
        assert await run_cli(scratch_url, monkeypatch, capsys, *seal) == (0, "audit log sealed: 300 events\n")
        await write_events(engine, 5, "b")
        assert await run_cli(scratch_url, monkeypatch, capsys, *seal) == (0, "audit log sealed: 305 events\n")
        code, out = await run_cli(scratch_url, monkeypatch, capsys, "verify-audit")
        assert code == 0, out
        assert "305 events in the log, 2 signed checkpoints verified" in out

        # While another process holds the sealer lock, this one does nothing.
        async with engine.connect() as other:
            await other.execute(text("SELECT pg_advisory_lock(71002011)"))
            await write_events(engine, 1, "c")
            code, out = await run_cli(scratch_url, monkeypatch, capsys, "sealer", "--once")
            assert "another process holds the sealer lock" in out
            await other.execute(text("SELECT pg_advisory_unlock(71002011)"))
        # A row left unsealed longer than the threshold fails the check.
        code, out = await run_cli(scratch_url, monkeypatch, capsys, "verify-audit", "--max-unsealed-age", "0.001")
        assert code == 1
        assert "1 events unsealed" in out
        assert (await run_cli(scratch_url, monkeypatch, capsys, *seal))[1] == "audit log sealed: 306 events\n"

        async with engine.begin() as conn:
            victim = await conn.scalar(text("SELECT seq FROM audit_event WHERE resource_id = 'a2'"))
            await tamper(conn, victim)
        code, out = await run_cli(scratch_url, monkeypatch, capsys, "verify-audit")
        assert code == 1
        assert "BROKEN" in out
        assert "leaf 2: event" in out
    finally:
        await engine.dispose()


async def test_rounds_of_any_size_leave_the_tree_a_verifier_recomputes(conn: AsyncConnection, db: AsyncSession,
                                                                       settings: Settings) -> None:
    """Sealing rounds that end inside a block of 2**8 leaves and cross several: the subtrees cached
    from the leaves a round has just hashed (never read back) and from the table agree with the tree
    recomputed from every leaf, at every round's size."""
    await audit_writer.append(db, [audit_writer.PendingEvent(action="read", resource_type="client",
                                                             client_id=uuid.uuid4(), subject=f"round-{i}",
                                                             actor={"actor_kind": "system"})
                                   for i in range(700)], {"request_id": "rounds"})
    await db.flush()
    unsealed = ~select(AuditLeaf.event_seq).where(AuditLeaf.event_seq == AuditEvent.seq).exists()
    rows = list((await conn.execute(select(*LEAF_COLUMNS).where(unsealed).order_by(AuditEvent.seq))).all())
    assert len(rows) >= 700
    done = 0
    for take in (37, 300, 219, len(rows)):
        size, _, _ = await _log_end(conn)
        batch = rows[done:done + take]
        await extend(conn, batch, size, signer(settings))
        done += len(batch)
        every = [bytes(h) for h in (await conn.scalars(select(AuditLeaf.leaf_hash).order_by(AuditLeaf.leaf_index)))]
        assert len(every) == size + len(batch)
        assert await merkle_store.root(conn, len(every)) == merkle.root_of_leaves(every), f"a round of {len(batch)}"
        if done == len(rows):
            break
