"""Throughput of the spreadsheet import: `.venv/bin/python bench/import_rows.py [--rows N]`.

Builds a scratch database on DATABASE_URL's server (required), seeds the demo world, writes a CSV
of N new clients for cw.karasuyama (Shift_JIS, Japanese headers), then times through the ASGI app
(1) `validate_only` and (2) the real job run by the ImportRunner, and prints rows per second and
the process's peak RSS. Every row goes through the same use case as POST /v1/clients (duplicate
check, care team, audit), so this is the cost of that path, row by row, in one transaction."""

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from alembic import command
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.demo.load import seed_all
from api.main import create_app
from api.services.imports import ImportRunner

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"


def _kana(i: int) -> str:
    out = []
    for _ in range(6):
        out.append(KANA[i % len(KANA)])
        i //= len(KANA)
    return "".join(out)


def sheet(rows: int) -> bytes:
    lines = ["氏名,フリガナ,生年月日,性別,総合支所,居住形態,生活保護,診断"]
    for i in range(rows):
        born = f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}"
        lines.append(f"試験 {i},{_kana(i)} タロウ,{born},男性,烏山,アパート・単身,はい,F20")
    return ("\r\n".join(lines) + "\r\n").encode("cp932")


async def main(rows: int) -> None:
    server = os.environ.get("DATABASE_URL")
    if not server:
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server (a scratch database is created on it).")
    name = f"iko_import_bench_{uuid.uuid4().hex[:6]}"
    url = await create_database(server, name)
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp()), run_background_workers=False,
                            log_level="WARNING", rate_limit_per_minute=10**6, import_max_rows=max(rows, 1))
        app = create_app(settings)
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            refs = await seed_all(session)
            await session.commit()
        token = app.state.tokens.issue_access_token(refs.users["cw.karasuyama"], "user")[0]
        auth = {"Authorization": f"Bearer {token}"}
        data = sheet(rows)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b", timeout=None) as http:
            started = time.perf_counter()
            checked = await http.post("/v1/imports", data={"kind": "clients", "validate_only": "true"},
                                      files={"file": ("c.csv", data)}, headers=auth)
            validate_s = time.perf_counter() - started
            assert checked.status_code == 200, checked.text[:500]
            assert checked.json()["valid"], checked.text[:500]
            queued = await http.post("/v1/imports", data={"kind": "clients"}, files={"file": ("c.csv", data)},
                                     headers=auth)
            assert queued.status_code == 202, queued.text
            started = time.perf_counter()
            await ImportRunner(app.state.sessionmaker, settings).run_once()
            run_s = time.perf_counter() - started
            job = (await http.get(f"/v1/imports/{queued.json()['id']}", headers=auth)).json()
            assert job["status"] == "succeeded", job["report"]
        await app.state.engine.dispose()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"rows={rows} file={len(data) / 1e6:.1f} MB  validate_only {validate_s:.1f} s "
              f"({rows / validate_s:.0f} rows/s)  job {run_s:.1f} s ({rows / run_s:.0f} rows/s)  "
              f"peak RSS {peak_mb:.0f} MB")
    finally:
        await drop_database(server, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().rows))
