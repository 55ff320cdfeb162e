"""Soak: the service under steady load for a while (10 minutes by default) with PostgreSQL stopped
for a few seconds halfway. Not part of `make test`; run `make soak` or

    .venv/bin/python bench/soak.py --seconds 600 --workers 2 --concurrency 16 --outage 10

It starts its own PostgreSQL (temp folder, Unix socket) and the service on 127.0.0.1, loads the
demo data, then reports errors by status and phase, p50/p99 latency before and after the outage,
and each worker's memory (RSS) after warm-up, before the outage and at the end. Exit status 1
when a request answered a 5xx other than 503, the service did not recover, or a worker grew by
more than --max-growth-mb after the outage."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.robustness.scratch_postgres import ScratchPostgres  # noqa: E402

DEMO_PASSWORD = "demo-password-2010"
USERS = ["cw.karasuyama", "sv.karasuyama", "mcw.karasuyama", "phn.karasuyama", "coord.mota"]


@dataclass
class Sample:
    at: float
    status: int
    latency: float
    op: str


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    outage_from: float = 0.0
    outage_to: float = 0.0
    recovered_at: float | None = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_pids(parent: int) -> list[int]:
    """The uvicorn workers (children of the serve process), or the process itself with one worker."""
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True).stdout
    except OSError:
        return [parent]
    children = [int(p) for p in out.split()]
    return [p for p in children if rss_mb(p) > 30] or [parent]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await http.post("/v1/auth/token", data={"grant_type": "password", "username": username,
                                                       "password": DEMO_PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def load(base: str, deadline: float, concurrency: int, run: Run) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=15) as http:
        auths = [await login(http, u) for u in USERS]
        logged_in_at = time.monotonic()
        clients = (await http.get("/v1/clients?limit=50", headers=auths[0])).json()["items"]
        client_ids = [c["id"] for c in clients] or [str(uuid.uuid4())]
        rng = random.Random(2010)

        async def one_user(n: int) -> None:
            nonlocal auths, logged_in_at
            while time.monotonic() < deadline:
                if time.monotonic() - logged_in_at > 600:  # access tokens live 15 minutes
                    with_new = [await login(http, u) for u in USERS]
                    auths, logged_in_at = with_new, time.monotonic()
                auth = auths[n % len(auths)]
                roll = rng.random()
                started = time.monotonic()
                try:
                    if roll < 0.30:
                        op, r = "me", await http.get("/v1/me", headers=auth)
                    elif roll < 0.55:
                        op, r = "list_clients", await http.get("/v1/clients?limit=20", headers=auth)
                    elif roll < 0.75:
                        op, r = "get_client", await http.get(f"/v1/clients/{rng.choice(client_ids)}",
                                                             headers=auth)
                    elif roll < 0.90:
                        op, r = "list_episodes", await http.get("/v1/episodes?limit=20", headers=auth)
                    else:
                        op, r = "create_client", await http.post("/v1/clients", headers=auths[0], json={
                            "name": f"負荷 {uuid.uuid4().hex[:8]}", "kana": "フカ タロウ",
                            "date_of_birth": "1950-01-01", "sex": "male", "branch_code": "karasuyama",
                            "residence_type": "apartment", "confirm_not_duplicate": True})
                    status = r.status_code
                except httpx.HTTPError:
                    op, status = "transport_error", 0
                run.samples.append(Sample(started, status, time.monotonic() - started, op))

        await asyncio.gather(*(one_user(i) for i in range(concurrency)))


async def outage(server: ScratchPostgres, at: float, seconds: float, run: Run) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    run.outage_from = time.monotonic()
    await asyncio.to_thread(server.stop, "fast")
    await asyncio.sleep(seconds)
    await asyncio.to_thread(server.start)
    run.outage_to = time.monotonic()


def report(run: Run, started: float, memory: dict[str, list[float]], max_growth: float) -> int:
    def phase(s: Sample) -> str:
        if s.at < run.outage_from:
            return "before"
        if s.at < run.outage_to:
            return "outage"
        return "after"

    by_phase: dict[str, Counter[int]] = {"before": Counter(), "outage": Counter(), "after": Counter()}
    for s in run.samples:
        by_phase[phase(s)][s.status] += 1
    ok_after = [s for s in run.samples if phase(s) == "after" and 200 <= s.status < 300]
    recovered = min((s.at for s in ok_after), default=None)
    settle = (recovered or run.outage_to) + 5
    before = [s.latency for s in run.samples if phase(s) == "before" and 200 <= s.status < 300]
    after = [s.latency for s in run.samples if s.at > settle and 200 <= s.status < 300]
    duration = time.monotonic() - started
    print(f"\n== soak: {len(run.samples)} requests in {duration:.0f} s ({len(run.samples) / duration:.0f}/s)")
    for name, counts in by_phase.items():
        print(f"{name:>7}: " + ", ".join(f"{code or 'transport'}={n}" for code, n in sorted(counts.items())))
    print(f"latency before: p50 {percentile(before, .5) * 1000:.1f} ms, p99 {percentile(before, .99) * 1000:.1f} ms")
    print(f"latency after : p50 {percentile(after, .5) * 1000:.1f} ms, p99 {percentile(after, .99) * 1000:.1f} ms"
          " (from 5 s after recovery)")
    outage_503 = [s.latency for s in run.samples if phase(s) == "outage" and s.status == 503]
    if outage_503:
        print(f"503 during the outage: max {max(outage_503) * 1000:.0f} ms, "
              f"median {statistics.median(outage_503) * 1000:.0f} ms")
    print(f"recovered {recovered - run.outage_to:.1f} s after PostgreSQL was back" if recovered
          else "NOT recovered after the outage")
    failed = recovered is None
    for pid, (warm, pre, end) in memory.items():
        growth = end - pre
        print(f"worker {pid}: RSS warm {warm:.0f} MB, before outage {pre:.0f} MB, end {end:.0f} MB "
              f"(+{end - warm:.1f} MB overall, +{growth:.1f} MB after the outage)")
        failed |= growth > max_growth
    server_errors = sum(n for counts in by_phase.values() for code, n in counts.items() if code >= 500 and code != 503)
    if server_errors:
        print(f"{server_errors} responses were 5xx other than 503")
    return 1 if failed or server_errors else 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--outage", type=float, default=10, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--max-growth-mb", type=float, default=40)
    args = parser.parse_args()
    args.seconds = max(30.0, min(args.seconds, 6 * 3600))  # bounded either way

    server = await asyncio.to_thread(ScratchPostgres.create)
    data_dir = Path(tempfile.mkdtemp(prefix="iko-soak-"))
    service = None
    try:
        await asyncio.to_thread(server.start)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": server.url(), "HOST": "127.0.0.1", "PORT": str(port),
               "WORKERS": str(args.workers), "DATA_DIR": str(data_dir), "LOAD_DEMO_DATA": "true",
               "LOG_LEVEL": "WARNING", "RATE_LIMIT_PER_MINUTE": "1000000",
               "RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "1000000", "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000"}
        log = (data_dir / "service.log").open("wb")
        # Popen only forks; the service then runs beside this event loop for the whole soak.
        service = subprocess.Popen([sys.executable, "-m", "api", "serve"], cwd=ROOT, env=env,  # noqa: ASYNC220
                                   stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=2) as probe:
            for _ in range(600):
                try:
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise SystemExit("the service did not become ready")
        run = Run()
        started = time.monotonic()
        deadline = started + args.seconds
        await asyncio.sleep(1)
        pids = worker_pids(service.pid)
        warm_task = asyncio.create_task(load(base, started + 20, args.concurrency, Run()))
        await warm_task
        memory = {str(p): [rss_mb(p)] for p in pids}
        half = started + args.seconds / 2

        async def sample_before_outage() -> None:
            await asyncio.sleep(max(0.0, half - 1 - time.monotonic()))
            for p in pids:
                memory[str(p)].append(rss_mb(p))

        await asyncio.gather(load(base, deadline, args.concurrency, run),
                             outage(server, half, args.outage, run), sample_before_outage())
        for p in pids:
            memory[str(p)].append(rss_mb(p))
        return report(run, started, memory, args.max_growth_mb)
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
        await asyncio.to_thread(server.remove)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
