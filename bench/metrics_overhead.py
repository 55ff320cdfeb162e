"""What /metrics costs a request: CPU per request with metrics on and off, same app, same route.

`.venv/bin/python -m bench.metrics_overhead [--requests 20000]` (PROMETHEUS_MULTIPROC_DIR=<empty dir>
to measure the several-worker mode). Needs no database: it drives GET /healthz in-process
through the ASGI interface and also times the recording call alone."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from api.config import Settings


async def _cpu_per_request(metrics_enabled: bool, requests: int) -> float:
    from api.main import create_app

    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", run_background_workers=False,
                        metrics_enabled=metrics_enabled, log_level="WARNING", rate_limit_anonymous_per_minute=10**9,
                        rate_limit_per_address_per_minute=10**9)
    app = create_app(settings)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/healthz", "raw_path": b"/healthz", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1), "server": ("bench", 80)}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        return None

    for _ in range(500):  # warm up
        await app(dict(scope), receive, send)
    started = time.process_time()
    for _ in range(requests):
        await app(dict(scope), receive, send)
    return (time.process_time() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    off, on = [], []
    for _ in range(args.rounds):
        off.append(asyncio.run(_cpu_per_request(False, args.requests)))
        on.append(asyncio.run(_cpu_per_request(True, args.requests)))
    from starlette.routing import Route

    from api import metrics

    scope = {"method": "GET", "route": Route("/v1/clients/{client_id}", lambda r: None)}
    n = 200_000
    started = time.process_time()
    for _ in range(n):
        metrics.observe(scope, 200, 0.01)
    alone = (time.process_time() - started) / n * 1e6
    gauge = metrics.POOL_IN_USE.labels("primary")
    started = time.process_time()
    for _ in range(n):
        gauge.inc()
        gauge.dec()
    pool = (time.process_time() - started) / n * 1e6
    print(f"CPU per request, metrics off: {statistics.median(off):.1f} µs; on: {statistics.median(on):.1f} µs "
          f"(median of {args.rounds} rounds of {args.requests}); "
          f"added: {statistics.median(on) - statistics.median(off):.1f} µs")
    print(f"the recording call alone (counter + histogram): {alone:.2f} µs; "
          f"pool gauge per checkout + checkin: {pool:.2f} µs")


if __name__ == "__main__":
    main()
