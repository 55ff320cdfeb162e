"""Robustness tests need work that really commits (concurrency, faults, fuzzing), so they run
against their own database on the test server, built by the same migrations and dropped at the
end, instead of inside the rolled-back test transaction."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, create_engine, drop_database
from api.main import create_app
from api.security import KeyRing, TokenService
from tests.scenario import Scenario, build_scenario
from tests.world import World, build_world


@dataclass
class Committed:
    """A database whose baseline (world + scenario) is committed, and settings pointing at it."""

    url: str
    settings: Settings
    world: World
    scenario: Scenario

    def app(self, **overrides: object) -> FastAPI:
        return create_app(self.settings.model_copy(update=overrides))


def database_name(url: str) -> str:
    return str(make_url(url).database)


async def build_committed_database(server_url: str, settings: Settings, prefix: str) -> Committed:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = await create_database(server_url, name, drop_first=True)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    db_settings = settings.model_copy(update={"database_url": url})
    engine = create_engine(url, db_settings, pool_size=2)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            world = await build_world(session, TokenService(KeyRing.from_settings(db_settings), db_settings))
            scenario = await build_scenario(session, world)
            await session.commit()
    finally:
        await engine.dispose()
    return Committed(url=url, settings=db_settings, world=world, scenario=scenario)


@pytest.fixture(scope="session")
async def committed(server_url: str, settings: Settings) -> AsyncIterator[Committed]:
    built = await build_committed_database(server_url, settings, "iko_robust")
    try:
        yield built
    finally:
        await drop_database(server_url, database_name(built.url))


@pytest.fixture
async def committed_app(committed: Committed) -> AsyncIterator[FastAPI]:
    app = committed.app()
    try:
        yield app
    finally:
        await app.state.engine.dispose()


@pytest.fixture
async def committed_client(committed_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=committed_app, client=("198.51.100.9", 50000), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30) as http:
        yield http
