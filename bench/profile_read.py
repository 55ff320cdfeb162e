"""CPU per audited read, in-process: a small synthetic dataset (bench.generate) in a database of its
own, then N sequential requests per scenario, each a bare ASGI call of the app (no network, no
server, no HTTP client: a scope, one `receive`, the sent messages collected), timing the process's
CPU (`time.process_time`: the app and the database driver; the PostgreSQL backend's CPU is not
counted). Each scenario runs `--runs` times and the median is reported, for our app and for the
floor (bench/floor_app.py: the same SQL on raw asyncpg + Starlette) in the same process, so the
ratio floor/ours is the issue's "fraction of the floor" in CPU, free of the machine's load (the runs
interleave the two apps scenario by scenario; the ratio is the median of the runs' ratios).
With `--profile SCENARIO` prints the top of a cProfile (CPU timer) of our app on that scenario.

    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/iko_profile python -m bench.profile_read -n 300

Scenarios (the wrk benchmark's read lines, bench/run.py): client detail as a caseworker on the
client's team; client list first page of 50 as a Karasuyama supervisor; the incoming referral box
(50) of a partner system; the episode list (status + programme + branch filters, 50) as the same
supervisor. Every one of them writes its audit rows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from api.config import Settings

SCALE = dict(clients=6_000, episodes=9_000, activities=20_000, users=300, agencies=30, referrals=4_000)


async def _prepare(url: str) -> None:
    """Migrate and generate once; a database that has the dataset already is reused."""
    from alembic import command

    from api.cli import alembic_config
    from bench.generate import Scale, asyncpg_dsn, generate

    await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        has_data = await conn.fetchval("SELECT count(*) FROM branch")
    finally:
        await conn.close()
    if not has_data:
        await generate(url, Scale(**SCALE), show=False)


class Asgi:
    """The least a server does: one scope per request, the body (none), the response collected."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        target, _, query = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": target, "raw_path": target.encode(), "root_path": "",
                 "query_string": query.encode(), "server": ("t", 80), "client": ("127.0.0.1", 1),
                 "headers": [(b"host", b"t")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
        status = 0
        body: list[bytes] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(body)


async def main(n: int, runs: int, profile: str | None, only: list[str] | None, ours_only: bool) -> None:
    from api.main import create_app
    from api.security import KeyRing, TokenService
    from bench.run import load_fixtures

    url = os.environ["DATABASE_URL"]
    data_dir = Path(tempfile.gettempdir()) / "iko-profile"
    os.environ.update(DATA_DIR=str(data_dir), DB_POOL_SIZE="2")  # the floor reads Settings() from the environment
    settings = Settings(database_url=url, data_dir=data_dir,
                        run_background_workers=False, log_level="WARNING", rate_limit_per_minute=10**8,
                        rate_limit_per_address_per_minute=10**8, access_token_ttl_s=3600)
    await _prepare(url)
    fx = await load_fixtures(url)
    tokens = TokenService(KeyRing.from_settings(settings), settings)

    def auth(subject: object, kind: str = "user") -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.issue_access_token(subject, kind)[0]}"}  # type: ignore[arg-type]

    user, client_id = fx.caseworker_clients[0]
    sup = fx.supervisors[0]
    scenarios = {
        "client_detail": (f"/v1/clients/{client_id}", auth(user)),
        "client_list": ("/v1/clients?limit=50", auth(sup)),
        "referral_inbox": ("/v1/referrals?box=incoming&limit=50", auth(fx.partner_machines[0], "client")),
        "episode_list": (f"/v1/episodes?limit=50&status=active&programme_code=tokyo_discharge"
                         f"&branch_code={fx.branch}", auth(sup)),
        # The wrk benchmark's dashboard lines (ours only: the floor has no statistics).
        "dashboard": ("/v1/stats/supported-persons?fiscal_year_from=2023&fiscal_year_to=2025", auth(fx.analysts[0])),
    }
    no_floor = {"dashboard"}
    from bench.floor_app import app as floor_app

    apps = {"ours": create_app(settings), "floor": floor_app}
    if profile or ours_only:
        del apps["floor"]
    chosen = [name for name in scenarios if not only or name in only]
    per_run: dict[tuple[str, str], list[float]] = {}
    async with contextlib.AsyncExitStack() as running:
        for app in apps.values():
            await running.enter_async_context(app.router.lifespan_context(app))
        sizes = {}
        for app_name, app in apps.items():
            http = Asgi(app)
            for name in chosen:
                if app_name == "floor" and name in no_floor:
                    continue
                path, headers = scenarios[name]
                status, body = await http.get(path, headers)
                assert status == 200, body
                items = orjson.loads(body).get("items")
                sizes[name] = f"{len(items)} items" if items is not None else "one"
                for _ in range(30):  # warm up: pools, prepared statements, caches
                    assert (await http.get(path, headers))[0] == 200
        # Interleaved: each run measures every scenario on ours and then on the floor, so a machine
        # whose speed drifts (a shared VM) moves both sides of a ratio alike.
        for _ in range(runs):
            for name in chosen:
                path, headers = scenarios[name]
                for app_name, app in apps.items():
                    if app_name == "floor" and name in no_floor:
                        continue
                    http = Asgi(app)
                    profiler = (cProfile.Profile(time.process_time)
                                if profile == name and app_name == "ours" else None)
                    cpu = time.process_time()
                    if profiler:
                        profiler.enable()
                    for _ in range(n):
                        status, body = await http.get(path, headers)
                        assert status == 200, body
                    if profiler:
                        profiler.disable()
                        pstats.Stats(profiler).sort_stats("cumulative").print_stats(70)
                        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
                    per_run.setdefault((app_name, name), []).append((time.process_time() - cpu) / n * 1e6)
    for (app_name, name), values in per_run.items():
        print(f"{app_name:<5} {name:<15} ({sizes[name]}): median {statistics.median(values):,.0f} µs CPU per request "
              f"(runs: {', '.join(f'{v:,.0f}' for v in values)})", flush=True)
    print("\n| scenario | ours µs CPU/request | floor µs CPU/request | floor/ours (median of the runs' ratios) |"
          "\n|---|---|---|---|")
    for name in chosen:
        if ("ours", name) in per_run and ("floor", name) in per_run:
            ours, floor = per_run["ours", name], per_run["floor", name]
            ratio = statistics.median(f / o for f, o in zip(floor, ours, strict=True))
            print(f"| {name} | {statistics.median(ours):,.0f} | {statistics.median(floor):,.0f} | {ratio:.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300, help="requests per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", help="cProfile this scenario (its runs are slower: do not compare)")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--ours-only", action="store_true", help="skip the floor")
    args = parser.parse_args()
    asyncio.run(main(args.n, args.runs, args.profile, args.only, args.ours_only))
