"""Test harness: a real PostgreSQL (TEST_DATABASE_URL, else the embedded server), one database
built by Alembic per run, a committed baseline world, and each test in a transaction rolled
back at the end (the app's sessions join it through savepoints)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from ipaddress import ip_network
from pathlib import Path

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, create_engine, drop_database
from api.main import create_app
from tests.world import World, build_world


@pytest.fixture(scope="session")
def tmp_data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="iko-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def server_url(tmp_data_dir: Path) -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    from api.ops.embedded_postgres import start_embedded

    server = start_embedded(tmp_data_dir)
    try:
        yield server.url("postgres")
    finally:
        server.stop()


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    name = f"iko_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = await create_database(server_url, name, drop_first=True)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    try:
        yield url
    finally:
        await drop_database(server_url, name)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_data_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_data_dir,
        run_background_workers=False,
        log_level="WARNING",
        stats_snapshot_seconds=0,  # tests change data between reads; test_stats_snapshots turns them on
        rate_limit_per_minute=100_000,
        rate_limit_anonymous_per_minute=100_000,
        # The whole suite shares one app and one address: on a quiet machine it sends more than the
        # default 3,000 requests a minute (tests/robustness/test_rate_limits.py sets its own limits).
        rate_limit_per_address_per_minute=100_000,
        # The webhook tests deliver to a receiver on this machine: allowed here, and only here.
        webhook_allowed_hosts=["127.0.0.1"],
        # A reverse proxy in front of the app (a documentation address): tests/api/test_login_throttle.py.
        trusted_proxies=[ip_network("192.0.2.250/32")],
        # Tests sign in with the password grant and without a second factor unless they turn it on
        # (tests/api/test_oauth_code_flow.py); production defaults are the opposite.
        password_grant_enabled=True,
        mfa_required_roles=[],
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(settings.database_url or "", settings, pool_size=5)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def world(engine: AsyncEngine, app: FastAPI) -> World:
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        built = await build_world(session, app.state.tokens)
        await session.commit()
    return built


@pytest.fixture
async def conn(engine: AsyncEngine, app: FastAPI, world: World) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        outer = await connection.begin()
        previous = app.state.sessionmaker, app.state.replica_sessionmaker
        # Statistics and exports read through the replica sessionmaker: in tests it is the same
        # rolled-back connection, so they see what the test arranged.
        app.state.sessionmaker = app.state.replica_sessionmaker = async_sessionmaker(
            bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield connection
        finally:
            app.state.sessionmaker, app.state.replica_sessionmaker = previous
            if outer.is_active:
                await outer.rollback()


@pytest.fixture
async def db(conn: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session on the test's transaction, for arranging data and checking what the API wrote."""
    async with async_sessionmaker(
        bind=conn, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
    )() as session:
        yield session


# Routes that carry one client's data, and lists of client data: a successful request on any of
# them must leave an audit row naming a client, with the request's id (checked for every test).
_ONE_CLIENT = re.compile(r"^/v1/(clients|episodes|referrals)/[0-9a-f-]{36}(/.*)?$")
_CLIENT_LISTS = re.compile(
    r"^/v1/(clients|episodes|referrals|episode-endings|exports/(clients|episodes|activities|referrals))$")


def _has_rows(response: httpx.Response) -> bool:
    if response.headers.get("content-type", "").startswith("application/json"):
        return any(not item.get("deleted") for item in response.json().get("items") or [])
    lines = [line for line in response.text.lstrip("\ufeff").splitlines() if line.strip()]
    return len(lines) > (1 if response.headers.get("content-type", "").startswith("text/csv") else 0)


@pytest.fixture
async def client(app: FastAPI, conn: AsyncConnection) -> AsyncIterator[httpx.AsyncClient]:
    unaudited: list[str] = []

    async def audit_completeness(response: httpx.Response) -> None:
        request, path = response.request, response.request.url.path
        if not response.is_success and response.status_code != 304:  # a 304 discloses as much as the 200
            return
        if not _ONE_CLIENT.match(path):
            if request.method != "GET" or not _CLIENT_LISTS.match(path):
                return
            await response.aread()
            if not _has_rows(response):
                return  # an empty page or export touched no client
        named = await conn.scalar(text("SELECT count(client_id) FROM audit_event WHERE request_id = :rid"),
                                  {"rid": response.headers["x-request-id"]})
        if not named:
            unaudited.append(f"{request.method} {path} -> {response.status_code}")

    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver",
                                 event_hooks={"response": [audit_completeness]}) as http:
        yield http
    assert not unaudited, f"client data served without an audit row naming the client: {unaudited}"
