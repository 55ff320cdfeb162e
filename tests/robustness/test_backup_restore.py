"""The documented commands round-trip the demo data: `python -m api backup FILE`, then
`python -m api restore FILE --database NEW`; every table has the same rows (count and checksum)
and the audit chain still verifies in the restored copy."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import ROOT, alembic_config
from api.config import Settings
from api.db import audit_writer
from api.db.audit_writer import PendingEvent
from api.db.engine import create_database, create_engine, drop_database
from api.demo.load import seed_all


async def table_fingerprints(url: str, settings: Settings) -> dict[str, tuple[int, str]]:
    engine = create_engine(url, settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            tables = (await conn.scalars(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))).all()
            out = {}
            for table in tables:
                row = (await conn.execute(text(
                    f'SELECT count(*), coalesce(md5(string_agg(t::text, \'|\' ORDER BY t::text)), \'\') '
                    f'FROM "{table}" t'))).one()
                out[table] = (int(row[0]), str(row[1]))
            return out
    finally:
        await engine.dispose()


def run_cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "api", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


async def test_backup_and_restore_round_trip_the_demo_data(server_url: str, settings: Settings,
                                                             tmp_path: Path) -> None:
    source_name = f"iko_backup_{uuid.uuid4().hex[:6]}"
    copy_name = f"{source_name}_restored"
    source = await create_database(server_url, source_name, drop_first=True)
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(source), "head")
        engine = create_engine(source, settings, pool_size=1)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                await seed_all(session)
                # the demo loader writes no audit trail; give the log something to verify
                for i in range(5):
                    await audit_writer.append(session, [PendingEvent(action="read", resource_type="client",
                                                                    resource_id=str(i), detail={"n": i},
                                                                    actor={"actor_kind": "anonymous"})],
                                             {"request_id": f"backup-test-{i}", "client_addr": "127.0.0.1",
                                              "purpose": "バックアップ試験"})
                await session.commit()
        finally:
            await engine.dispose()
        sealed = await asyncio.to_thread(run_cli, "sealer", "--once", database_url=source)
        assert "audit log sealed: 5 events" in sealed.stdout, sealed.stdout + sealed.stderr
        before = await table_fingerprints(source, settings)
        assert before["audit_event"][0] > 0
        assert before["client"][0] > 0

        dump = tmp_path / "iko.dump"
        backed_up = await asyncio.to_thread(run_cli, "backup", str(dump), database_url=source)
        assert backed_up.returncode == 0, backed_up.stderr
        restored = await asyncio.to_thread(run_cli, "restore", str(dump), "--database", copy_name,
                                           database_url=source)
        assert restored.returncode == 0, restored.stderr
        copy = make_url(source).set(database=copy_name).render_as_string(hide_password=False)

        assert await table_fingerprints(copy, settings) == before
        verified = await asyncio.to_thread(run_cli, "verify-audit", database_url=copy)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "audit log intact: 5 events in the log, 1 signed checkpoints verified" in verified.stdout
        # restoring over data is refused rather than mixing two databases
        again = await asyncio.to_thread(run_cli, "restore", str(dump), "--database", copy_name, database_url=source)
        assert again.returncode != 0
        assert "not empty" in again.stderr
    finally:
        await drop_database(server_url, copy_name)
        await drop_database(server_url, source_name)
