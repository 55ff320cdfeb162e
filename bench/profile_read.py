"""CPU per audited read, in-process: the demo data in a database of its own, then N sequential
`GET /v1/clients/{id}` as a caseworker on the client's team through httpx's ASGI transport (no
network, no server), timing the process's CPU. With `--profile` prints the top of a cProfile.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/iko_profile python -m bench.profile_read -n 500
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from api.config import Settings


async def main(n: int, profile: bool) -> None:
    from alembic import command

    from api.cli import alembic_config
    from api.db.engine import create_engine
    from api.demo.load import load_demo_data
    from api.main import create_app
    from api.security import KeyRing, TokenService

    url = os.environ["DATABASE_URL"]
    settings = Settings(database_url=url, data_dir=Path(tempfile.gettempdir()) / "iko-profile",
                        run_background_workers=False, log_level="WARNING", rate_limit_per_minute=10**8,
                        rate_limit_per_address_per_minute=10**8)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    await load_demo_data(settings, only_if_empty=True)
    engine = create_engine(url, settings, pool_size=1)
    async with engine.connect() as conn:
        user_id, client_id = (await conn.execute(text(
            "SELECT m.user_id, m.client_id FROM care_team_member m JOIN user_account u ON u.id = m.user_id "
            "WHERE u.role = 'caseworker' AND m.to_date IS NULL ORDER BY m.client_id LIMIT 1"))).one()
    await engine.dispose()
    token = TokenService(KeyRing.from_settings(settings), settings).issue_access_token(user_id, "user")[0]
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {token}"}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 1)), base_url="http://t") as http:
        for _ in range(50):  # warm up: pools, prepared statements, caches
            assert (await http.get(f"/v1/clients/{client_id}", headers=headers)).status_code == 200
        profiler = cProfile.Profile() if profile else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(n):
            response = await http.get(f"/v1/clients/{client_id}", headers=headers)
            assert response.status_code == 200, response.text
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{n} audited reads: {cpu / n * 1e6:.0f} µs CPU and {wall / n * 1e6:.0f} µs wall per request")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.profile))
