"""Statistics and exports can read from a streaming replica (DATABASE_REPLICA_URL): shown on a
second PostgreSQL started as a real streaming replica of the first with pg_basebackup; pausing
its replay proves which server answered."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, create_engine
from api.main import create_app
from api.ops.embedded_postgres import find_binary
from tests.robustness.scratch_postgres import ScratchPostgres
from tests.world import World, build_world

pytestmark = pytest.mark.faults


@pytest.fixture
def servers() -> Iterator[tuple[ScratchPostgres, ScratchPostgres]]:
    primary = ScratchPostgres.create()
    replica: ScratchPostgres | None = None
    try:
        primary.start()
        basebackup = find_binary("pg_basebackup")
        assert basebackup, "pg_basebackup comes with the same PostgreSQL binaries"
        root = Path(tempfile.mkdtemp(prefix="iko-r-"))
        if primary.user is not None:
            shutil.chown(root, primary.user)
        subprocess.run([basebackup, "-D", str(root / "pg"), "-h", str(primary.socket_dir), "-U", "postgres",
                        "-R", "-X", "stream", "--no-sync"], check=True, capture_output=True, user=primary.user)
        replica = ScratchPostgres(root=root, pg_ctl=primary.pg_ctl, user=primary.user)
        replica.start()
        yield primary, replica
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


async def _replayed(replica_url: str, settings: Settings) -> None:
    engine = create_engine(replica_url, settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_is_in_recovery()")) is True
    finally:
        await engine.dispose()


async def test_exports_read_from_the_replica(servers: tuple[ScratchPostgres, ScratchPostgres],
                                             tmp_path: Path) -> None:
    primary, replica = servers
    primary_url = await create_database(primary.url(), "iko")
    await asyncio.to_thread(command.upgrade, alembic_config(primary_url), "head")
    settings = Settings(database_url=primary_url, database_replica_url=replica.url("iko"), data_dir=tmp_path,
                        run_background_workers=False, log_level="WARNING", rate_limit_per_minute=100_000)
    app = create_app(settings)
    world: World
    async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
        world = await build_world(session, app.state.tokens)
        await session.commit()
    await _replayed(replica.url("iko"), settings)
    control = create_engine(replica.url("iko"), settings, pool_size=1)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            cw = world.auth("caseworker")
            for _ in range(50):  # the world reaches the replica
                if (await http.get("/v1/exports/clients", headers=cw)).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            async with control.connect() as conn:
                await conn.execute(text("SELECT pg_wal_replay_pause()"))
            created = await http.post("/v1/clients", headers=cw, json={
                "name": "複製 確認", "kana": "フクセイ カクニン", "date_of_birth": "1970-01-01", "sex": "other",
                "branch_code": "karasuyama", "residence_type": "apartment"})
            assert created.status_code == 201, created.text
            new_id = created.json()["id"]
            # The primary has it (the API's own reads), the paused replica does not (the export).
            assert (await http.get(f"/v1/clients/{new_id}", headers=cw)).status_code == 200
            assert new_id not in (await http.get("/v1/exports/clients", headers=cw)).text
            async with control.connect() as conn:
                await conn.execute(text("SELECT pg_wal_replay_resume()"))
            for _ in range(100):
                if new_id in (await http.get("/v1/exports/clients", headers=cw)).text:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the replica never caught up")
    finally:
        await control.dispose()
        await app.state.engine.dispose()
        await app.state.replica_engine.dispose()


def test_embedded_fallback_runs_the_postgresql_binaries(tmp_path: Path) -> None:
    """Where the pgserver wheel is missing (a newer Python), initdb/pg_ctl start the server."""
    from api.ops import embedded_postgres as embedded

    parent = Path(tempfile.mkdtemp(prefix="iko-fb-"))
    parent.chmod(0o755)  # like a checkout's .data/: the unprivileged server user must reach it
    data = parent / "pg"
    server = embedded._start_with_binaries(data)
    try:
        url = server.url("postgres")

        async def probe() -> int:
            engine = create_engine(url, Settings(database_url=url, data_dir=tmp_path), pool_size=1)
            try:
                async with engine.connect() as conn:
                    return int(await conn.scalar(text("SELECT 41 + 1")) or 0)
            finally:
                await engine.dispose()

        assert asyncio.run(probe()) == 42
        assert (data / "PG_VERSION").exists()
    finally:
        server.stop()
        shutil.rmtree(data.parent, ignore_errors=True)
