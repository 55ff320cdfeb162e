"""Resident-memory growth of a streaming export: `.venv/bin/python bench/export_memory.py [--rows N]`.

Builds a scratch database (on DATABASE_URL's server, else a throwaway embedded PostgreSQL), fills
it with N activity records of one client on a caseworker's team, then drives
GET /v1/exports/activities through the ASGI app with a `send` that drops each chunk, sampling
RSS from /proc/self/statm. Issue 7's bar: 1,000,000 rows must not grow the worker by more than
about 50 MB. A timed unit test would be flaky on shared CI machines, so this lives here."""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic import command
from sqlalchemy import text

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, create_engine, drop_database
from api.main import create_app

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


async def fill(url: str, settings: Settings, rows: int) -> uuid.UUID:
    engine = create_engine(url, settings, pool_size=1)
    user = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO branch (code, name_ja, name_en) VALUES ('karasuyama', '烏山', 'K')"))
        agency = await conn.scalar(text("INSERT INTO agency (id, code, name_ja, name_en, type) VALUES "
                                        "(gen_random_uuid(), 'a', 'a', 'a', 'ward_division') RETURNING id"))
        await conn.execute(text("INSERT INTO user_account (id, username, display_name, role, agency_id, "
                                "password_hash) VALUES (:u, 'cw', 'cw', 'caseworker', :a, 'x')"),
                           {"u": user, "a": agency})
        client = await conn.scalar(text(
            "INSERT INTO client (id, name, kana, kana_sort, date_of_birth, sex, branch_code, residence_type) "
            "VALUES (gen_random_uuid(), '試験', 'シケン', 'シケン', '1970-01-01', 'male', 'karasuyama', "
            "'apartment') RETURNING id"))
        await conn.execute(text("INSERT INTO care_team_member (id, client_id, user_id, team_role, from_date) "
                                "VALUES (gen_random_uuid(), :c, :u, 'caseworker', '2000-01-01')"),
                           {"c": client, "u": user})
        await conn.execute(text(
            "INSERT INTO activity (id, client_id, kind, occurred_at, performer_id, note) "
            "SELECT gen_random_uuid(), :c, 'home_visit', now() - make_interval(mins => g), :u, "
            "'訪問記録 ' || g FROM generate_series(1, :n) g"), {"c": client, "u": user, "n": rows})
        await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return user


async def export(settings: Settings, user: uuid.UUID) -> tuple[int, int, float, float]:
    app = create_app(settings)
    token = app.state.tokens.issue_access_token(user, "user")[0]
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/v1/exports/activities", "raw_path": b"/v1/exports/activities", "query_string": b"format=ndjson",
        "root_path": "", "headers": [(b"authorization", f"Bearer {token}".encode()), (b"host", b"bench")],
        "client": ("127.0.0.1", 1), "server": ("bench", 80), "state": {},
    }
    stats = {"bytes": 0, "lines": 0, "status": 0, "peak": rss_mb()}
    base = rss_mb()

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stats["status"] = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            stats["bytes"] += len(body)
            stats["lines"] += body.count(b"\n")
            stats["peak"] = max(stats["peak"], rss_mb())

    await app(scope, receive, send)
    await app.state.engine.dispose()
    assert stats["status"] == 200, stats
    return int(stats["lines"]), int(stats["bytes"]), base, float(stats["peak"])


async def main(rows: int) -> None:
    with tempfile.TemporaryDirectory(prefix="iko-bench-") as tmp:
        server_url = os.environ.get("DATABASE_URL")
        server = None
        if not server_url:
            from api.ops.embedded_postgres import start_embedded

            server = start_embedded(Path(tmp))
            server_url = server.url("postgres")
        name = f"bench_{uuid.uuid4().hex[:8]}"
        url = await create_database(server_url, name)
        try:
            settings = Settings(database_url=url, data_dir=Path(tmp), run_background_workers=False,
                                log_level="WARNING", db_statement_timeout_ms=600_000)
            await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
            started = time.perf_counter()
            user = await fill(url, settings, rows)
            print(f"filled {rows:,} activities in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            lines, size, base, peak = await export(settings, user)
            took = time.perf_counter() - started
            print(f"exported {lines:,} rows, {size / 2**20:.0f} MB in {took:.1f} s ({lines / took:,.0f} rows/s)")
            print(f"RSS before {base:.0f} MB, peak while streaming {peak:.0f} MB: growth {peak - base:.1f} MB "
                  f"(max RSS of the process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
        finally:
            await drop_database(server_url, name)
            if server is not None:
                server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    asyncio.run(main(parser.parse_args().rows))
