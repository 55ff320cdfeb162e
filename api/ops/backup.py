"""Backup and restore with PostgreSQL's own tools (pg_dump's custom format), found beside the
embedded server or on PATH: `python -m api backup FILE` / `python -m api restore FILE`."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from api.db.engine import create_database, create_engine, normalise_url
from api.ops.embedded_postgres import find_binary


class BackupError(RuntimeError):
    pass


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the tools, and the environment carrying the password (so it
    never appears in the process list)."""
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host, port=parsed.port,
                       database=parsed.database, query=parsed.query)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = find_binary(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools or set PG_BIN_DIR")
    return found


def backup(url: str, file: Path) -> None:
    target, env = libpq_target(url)
    # Custom format: compressed, and pg_restore can restore it into any empty database.
    result = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                             f"--file={file}", f"--dbname={target}"], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip())


async def _is_empty(url: str) -> bool:
    from api.config import get_settings

    engine = create_engine(url, get_settings(), pool_size=1)
    try:
        async with engine.connect() as conn:
            tables = await conn.scalar(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"))
    finally:
        await engine.dispose()
    return not tables


async def restore(server_url: str, file: Path, database: str) -> str:
    """Restore `file` into `database` on the server of `server_url` (created when missing; it must
    be empty). One transaction: a failed restore leaves the database empty, not half-filled."""
    if not await asyncio.to_thread(file.is_file):
        raise BackupError(f"{file} does not exist")
    url = await create_database(server_url, database)
    if not await _is_empty(url):
        raise BackupError(f"database {database!r} is not empty; restore into a new one (--database NAME)")
    target, env = libpq_target(url)
    result = await asyncio.to_thread(
        subprocess.run, [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                         "--single-transaction", f"--dbname={target}", str(file)],
        env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip())
    return url
