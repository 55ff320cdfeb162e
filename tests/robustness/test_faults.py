"""Database faults while the service runs, on a PostgreSQL server of this module's own:
stopped and started again, a connection killed in the middle of a write, clients that go away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select, text

from api.config import Settings
from api.db.engine import create_engine
from api.db.models import AuditEvent, Client
from tests.robustness.conftest import Committed, build_committed_database
from tests.robustness.scratch_postgres import ScratchPostgres

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
async def scratch(settings: Settings) -> AsyncIterator[tuple[ScratchPostgres, Committed]]:
    server = await asyncio.to_thread(ScratchPostgres.create)
    await asyncio.to_thread(server.start)
    try:
        committed = await build_committed_database(server.url(), settings, "iko_faults")
        yield server, committed
    finally:
        await asyncio.to_thread(server.remove)


@pytest.fixture
async def fault_app(scratch: tuple[ScratchPostgres, Committed]) -> AsyncIterator[FastAPI]:
    server, committed = scratch
    await asyncio.to_thread(server.start)  # a test that failed half-way may have left it stopped
    app = committed.app(db_connect_timeout_s=2.0)
    try:
        yield app
    finally:
        await app.state.rate_limiter.close()
        await app.state.engine.dispose()


def new_client_body() -> dict[str, object]:
    return {"name": f"障害 {uuid.uuid4().hex[:10]}", "kana": "ショウガイ タロウ", "date_of_birth": "1955-03-04",
            "sex": "male", "branch_code": "karasuyama", "residence_type": "apartment",
            "confirm_not_duplicate": True}


@dataclass
class Outcome:
    name: str
    status: int
    elapsed: float
    problem_type: str | None
    started: float = field(default=0.0)


async def create_client(http: httpx.AsyncClient, auth: dict[str, str]) -> Outcome:
    body = new_client_body()
    started = time.monotonic()
    response = await http.post("/v1/clients", json=body, headers=auth)
    problem = response.json().get("type") if response.headers.get("content-type", "").startswith(
        "application/problem+json") else None
    return Outcome(str(body["name"]), response.status_code, time.monotonic() - started, problem, started)


async def stored_names(committed: Committed, names: list[str]) -> set[str]:
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            return set((await conn.scalars(select(Client.name).where(Client.name.in_(names)))).all())
    finally:
        await engine.dispose()


async def test_postgresql_stopped_then_started_503_fast_then_serves_again_without_restart(
    scratch: tuple[ScratchPostgres, Committed], fault_app: FastAPI
) -> None:
    server, committed = scratch
    auth = committed.world.auth("caseworker")
    transport = httpx.ASGITransport(app=fault_app, client=("192.0.2.10", 1000), raise_app_exceptions=False)
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as http:
        assert (await http.get("/readyz")).status_code == 200
        stop_writers = asyncio.Event()

        async def writer() -> None:
            while not stop_writers.is_set():
                outcomes.append(await create_client(http, auth))
                await asyncio.sleep(0.01)

        writers = [asyncio.create_task(writer()) for _ in range(4)]
        await asyncio.sleep(1.0)
        await asyncio.to_thread(server.stop, "fast")
        stopped_at = time.monotonic()
        down_checks = []
        for _ in range(3):
            started = time.monotonic()
            ready = await http.get("/readyz")
            me = await http.get("/v1/me", headers=auth)
            down_checks.append((ready.status_code, me.status_code, time.monotonic() - started, me.headers))
            await asyncio.sleep(0.5)
        starting_at = time.monotonic()
        await asyncio.to_thread(server.start)
        restarted_at = time.monotonic()
        recovered_after = None
        while time.monotonic() - restarted_at < 20:
            if (await http.get("/v1/me", headers=auth)).status_code == 200:
                recovered_after = time.monotonic() - restarted_at
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        stop_writers.set()
        await asyncio.gather(*writers)
        assert (await http.get("/readyz")).status_code == 200

    for ready_status, me_status, elapsed, headers in down_checks:
        assert ready_status == 503
        assert me_status == 503
        assert elapsed < 5
        assert "retry-after" in headers
    assert recovered_after is not None, "the service did not serve again after PostgreSQL came back"
    statuses = {o.status for o in outcomes}
    assert statuses <= {201, 503}, [(o.status, o.problem_type) for o in outcomes if o.status not in (201, 503)]
    during = [o for o in outcomes if stopped_at < o.started and o.started + o.elapsed < starting_at]
    assert during, "no write was attempted while PostgreSQL was down"
    assert all(o.status == 503 and o.problem_type and o.problem_type.endswith("/unavailable") for o in during)
    assert all(o.elapsed < 5 for o in outcomes)
    assert any(o.status == 201 and o.started > restarted_at for o in outcomes)
    # No request answered 2xx whose write did not commit.
    answered_ok = [o.name for o in outcomes if o.status == 201]
    assert await stored_names(committed, answered_ok) == set(answered_ok)


async def test_a_connection_killed_mid_write_leaves_no_partial_data(
    scratch: tuple[ScratchPostgres, Committed], fault_app: FastAPI
) -> None:
    _, committed = scratch
    auth = committed.world.auth("caseworker")
    admin = create_engine(committed.url, committed.settings, pool_size=2)
    transport = httpx.ASGITransport(app=fault_app, client=("192.0.2.11", 1000), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as http, \
                admin.connect() as blocker, admin.connect() as killer:
            # The request's client row and care-team row are written before its audit rows: a lock
            # on the audit table stops the request half-way through its transaction.
            await blocker.execute(text("LOCK TABLE audit_event IN EXCLUSIVE MODE"))
            body = new_client_body()
            request = asyncio.create_task(http.post("/v1/clients", json=body, headers=auth))
            pid = None
            for _ in range(200):
                pid = await killer.scalar(text(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'setagaya-iko-api' "
                    "AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO audit_event%'"))
                await killer.commit()
                if pid is not None:
                    break
                await asyncio.sleep(0.05)
            assert pid is not None, "the write never reached the audit append"
            assert await killer.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await killer.commit()
            await blocker.rollback()
            response = await request
            assert response.status_code == 503
            assert response.headers["content-type"].startswith("application/problem+json")
            assert await stored_names(committed, [str(body["name"])]) == set()
            async with admin.connect() as conn:
                orphans = await conn.scalar(select(func.count()).select_from(AuditEvent)
                                            .where(AuditEvent.request_id == response.json()["request_id"]))
            assert orphans == 0
            # the pool drops the dead connection and carries on
            after = await create_client(http, auth)
            assert after.status == 201
    finally:
        await admin.dispose()


async def settle(condition: Callable[[], bool], timeout_s: float) -> None:
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


async def _abort_over_socket(port: int, request: bytes, pause: float) -> None:
    with contextlib.suppress(OSError):
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        await asyncio.sleep(pause)
        writer.transport.abort()  # RST, not a polite FIN


async def test_a_thousand_aborted_requests_leak_no_pool_connections(
    scratch: tuple[ScratchPostgres, Committed], fault_app: FastAPI
) -> None:
    _, committed = scratch
    token = committed.world.token("caseworker").encode()
    client_id = str(committed.scenario.client_in.id).encode()
    config = uvicorn.Config(fault_app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    await settle(lambda: server.started, 10)
    port = server.servers[0].sockets[0].getsockname()[1]
    body = json.dumps(new_client_body()).encode()
    requests = [
        # gone before the body ends
        b"POST /v1/clients HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
        b"\r\nContent-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:20],
        # gone while the service reads the database
        b"GET /v1/clients/" + client_id + b" HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + b"\r\n\r\n",
        b"GET /v1/episodes HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + b"\r\n\r\n",
        b"GET /v1/me HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token + b"\r\n\r\n",
    ]
    rng = random.Random(10)
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with gate:
            await _abort_over_socket(port, requests[i % len(requests)], rng.choice([0, 0.001, 0.005, 0.02]))

    try:
        await asyncio.gather(*(one(i) for i in range(1000)))
        pool = fault_app.state.engine.pool
        await settle(lambda: pool.checkedout() == 0, 15)
        assert pool.checkedout() == 0
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            ok = await http.get("/v1/me", headers={"Authorization": f"Bearer {token.decode()}"})
            assert ok.status_code == 200
    finally:
        server.should_exit = True
        await serving


async def test_requests_cancelled_mid_flight_leak_no_pool_connections(
    scratch: tuple[ScratchPostgres, Committed], fault_app: FastAPI
) -> None:
    """What a server or proxy timeout does: the request's task is cancelled wherever it is."""
    _, committed = scratch
    auth = committed.world.auth("caseworker")
    transport = httpx.ASGITransport(app=fault_app, client=("192.0.2.12", 1000), raise_app_exceptions=False)
    rng = random.Random(2010)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as http:
        for _ in range(10):
            tasks = [asyncio.create_task(http.post("/v1/clients", json=new_client_body(), headers=auth))
                     if i % 2 else asyncio.create_task(http.get("/v1/episodes", headers=auth)) for i in range(30)]
            await asyncio.sleep(rng.choice([0.001, 0.005, 0.01, 0.03]))
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        pool = fault_app.state.engine.pool
        await settle(lambda: pool.checkedout() == 0, 15)
        assert pool.checkedout() == 0
        assert (await http.get("/v1/me", headers=auth)).status_code == 200
