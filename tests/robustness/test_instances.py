"""Several instances of the service on one PostgreSQL: two uvicorn processes, each with its own
background sealer, write audit rows side by side; one sealer holds the lock and seals for both,
the other takes over when the first instance goes, and the log verifies afterwards."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from api.config import Settings
from api.db.engine import create_engine, drop_database
from api.db.models import AuditEvent
from api.security import KeyRing
from api.services.audit_check import verify_log
from tests.robustness.conftest import Committed, build_committed_database, database_name

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    def __init__(self, committed: Committed) -> None:
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": committed.url, "DATA_DIR": str(committed.settings.data_dir),
               "RUN_BACKGROUND_WORKERS": "true", "AUDIT_SEAL_INTERVAL_S": "0.2", "LOG_LEVEL": "WARNING",
               "RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "100000"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.stderr.read().decode() if self.proc.stderr else ""
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("instance did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


@pytest.fixture
async def own_committed(server_url: str, settings: Settings) -> AsyncIterator[Committed]:
    built = await build_committed_database(server_url, settings, "iko_instances")
    try:
        yield built
    finally:
        await drop_database(server_url, database_name(built.url))


@pytest.fixture
def two_instances(own_committed: Committed) -> Iterator[tuple[Instance, Instance]]:
    a, b = Instance(own_committed), Instance(own_committed)
    try:
        a.wait_ready()
        b.wait_ready()
        yield a, b
    finally:
        a.stop()
        b.stop()


async def _sealed_everything(http: httpx.AsyncClient, url: str, events: int) -> dict[str, float]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        latest = await http.get(url + "/v1/audit/checkpoints/latest")
        if latest.status_code == 200 and latest.json()["tree_size"] >= events:
            body: dict[str, float] = latest.json()
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"the log did not reach {events} events")


async def test_two_instances_share_one_sealer_and_the_log_verifies(
        own_committed: Committed, two_instances: tuple[Instance, Instance]) -> None:
    a, b = two_instances
    engine = create_engine(own_committed.url, own_committed.settings, pool_size=2)
    auth = own_committed.world.auth("caseworker")
    path = f"/v1/clients/{own_committed.scenario.client_in.id}"

    async def events() -> int:
        async with engine.connect() as conn:
            return int(await conn.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    try:
        async with httpx.AsyncClient(timeout=30) as http:
            answers = await asyncio.gather(*(http.get((a if i % 2 else b).url + path, headers=auth)
                                             for i in range(20)))
            assert {r.status_code for r in answers} == {200}
            await _sealed_everything(http, b.url, await events())
            async with engine.connect() as conn:
                holders = await conn.scalar(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 0 "
                    "AND objid = 71002011 AND granted"))
            assert holders == 1  # both instances run a sealer task; one seals

            a.stop()  # if it was the sealer, b's takes over
            answers = await asyncio.gather(*(http.get(b.url + path, headers=auth) for _ in range(10)))
            assert {r.status_code for r in answers} == {200}
            latest = await _sealed_everything(http, b.url, await events())
            assert latest["seal_lag_s"] < 30
        b.stop()
        async with engine.connect() as conn:
            keys = KeyRing.from_settings(own_committed.settings)
            report = await verify_log(conn, keys, own_committed.settings.audit_log_origin, max_unsealed_age_s=0.001)
        assert report.ok, report.problems
        assert report.leaves == await events() >= 30
    finally:
        await engine.dispose()
