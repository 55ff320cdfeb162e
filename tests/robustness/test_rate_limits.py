"""Rate limits: per principal, per address for requests without a valid token, and per address
overall; 429 problem with Retry-After; counts shared through PostgreSQL (or Redis) by workers."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Mapping

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from api.db.engine import create_engine
from api.rate_limiting import Key, RateLimiter
from tests.robustness.conftest import Committed


@pytest.fixture(autouse=True)
async def fresh_counters(committed: Committed) -> None:
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM rate_counter WHERE bucket LIKE 'rl:%'"))
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def serving(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await app.state.rate_limiter.close()
        await app.state.engine.dispose()


def limited(committed: Committed, **limits: object) -> FastAPI:
    return committed.app(rate_limit_sync_interval_s=0, **limits)


def assert_429(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/rate-limited")
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def test_per_principal_limit_answers_429_with_retry_after(committed: Committed) -> None:
    async with serving(limited(committed, rate_limit_per_minute=5), "203.0.113.1") as http:
        for _ in range(5):
            assert (await http.get("/v1/me", headers=committed.world.auth("analyst"))).status_code == 200
        assert_429(await http.get("/v1/me", headers=committed.world.auth("analyst")))
        # another principal from the same address has its own allowance
        assert (await http.get("/v1/me", headers=committed.world.auth("auditor"))).status_code == 200
        # probes are never limited
        assert (await http.get("/healthz")).status_code == 200


async def test_requests_without_a_valid_token_are_limited_per_address(committed: Committed) -> None:
    app = limited(committed, rate_limit_anonymous_per_minute=3)
    async with serving(app, "203.0.113.2") as http:
        statuses = [(await http.get("/v1/me", headers={"Authorization": "Bearer forged"})).status_code
                    for _ in range(3)]
        assert statuses == [401, 401, 401]
        assert_429(await http.get("/v1/reference"))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.3", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await other.get("/v1/me")).status_code == 401  # another address is not affected


async def test_all_traffic_from_one_address_is_capped(committed: Committed) -> None:
    async with serving(limited(committed, rate_limit_per_address_per_minute=4), "203.0.113.4") as http:
        for name in ("caseworker", "supervisor", "admin", "auditor"):
            assert (await http.get("/v1/me", headers=committed.world.auth(name))).status_code == 200
        assert_429(await http.get("/v1/me", headers=committed.world.auth("analyst")))


async def test_workers_share_the_counters_in_postgresql(committed: Committed) -> None:
    async with serving(limited(committed, rate_limit_per_minute=5), "203.0.113.5") as worker_a, \
            serving(limited(committed, rate_limit_per_minute=5), "203.0.113.6") as worker_b:
        auth = committed.world.auth("secretariat")
        for _ in range(3):
            assert (await worker_a.get("/v1/me", headers=auth)).status_code == 200
        for _ in range(2):
            assert (await worker_b.get("/v1/me", headers=auth)).status_code == 200
        assert_429(await worker_b.get("/v1/me", headers=auth))
        assert_429(await worker_a.get("/v1/me", headers=auth))


async def test_batched_counting_waits_for_no_round_trip_and_still_converges(committed: Committed) -> None:
    app = committed.app(rate_limit_per_minute=10, rate_limit_sync_interval_s=0.05)
    async with serving(app, "203.0.113.7") as http:
        auth = committed.world.auth("peer_supporter")
        statuses = [(await http.get("/v1/me", headers=auth)).status_code for _ in range(12)]
        assert statuses.count(200) == 10
        assert statuses[-2:] == [429, 429]
        await asyncio.sleep(0.1)
        await http.get("/healthz")
        await app.state.rate_limiter.sync()
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            stored = await conn.scalar(text("SELECT sum(count) FROM rate_counter WHERE bucket LIKE 'rl:p:%'"))
    finally:
        await engine.dispose()
    assert stored == 10


class DownStore:
    async def add(self, counts: Mapping[Key, int], window_s: int) -> dict[Key, int]:
        raise OSError("connection refused")

    async def close(self) -> None:
        return None


async def test_an_unreachable_counter_store_does_not_refuse_requests() -> None:
    limiter = RateLimiter(DownStore(), sync_interval_s=0)
    assert [await limiter.hit([("rl:p:x", 3)]) for _ in range(3)] == [None, None, None]
    assert await limiter.hit([("rl:p:x", 3)]) is not None  # still counted locally


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_url() -> AsyncIterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed; Redis is optional")
    port = _free_port()
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
            subprocess.run(["sleep", "0.1"], check=False)
        yield f"redis://127.0.0.1:{port}/0"  # type: ignore[misc]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_with_redis_url_the_counters_live_in_redis(committed: Committed, redis_url: str) -> None:
    async with serving(limited(committed, rate_limit_per_minute=4, redis_url=redis_url), "203.0.113.8") as a, \
            serving(limited(committed, rate_limit_per_minute=4, redis_url=redis_url), "203.0.113.9") as b:
        auth = committed.world.auth("coordinator")
        assert [(await a.get("/v1/me", headers=auth)).status_code for _ in range(2)] == [200, 200]
        assert [(await b.get("/v1/me", headers=auth)).status_code for _ in range(2)] == [200, 200]
        assert_429(await a.get("/v1/me", headers=auth))
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            in_pg = await conn.scalar(text("SELECT count(*) FROM rate_counter WHERE bucket LIKE 'rl:%'"))
    finally:
        await engine.dispose()
    assert in_pg == 0
