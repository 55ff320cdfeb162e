"""The benchmark: `make bench` (or `.venv/bin/python -m bench.run --help`).

Starts PostgreSQL (embedded under bench/.data, or the server of --database-url), generates the
dataset once per scale (reused afterwards), then for the service and for the floor app
(bench/floor_app.py), at each worker count, starts uvicorn on 127.0.0.1, drives every scenario with
wrk at fixed concurrency, stops the server, and writes bench/results/latest.{json,md}. With
--sweep it also measures p99 against dataset size and plots it (bench/results/p99_vs_size.png).

Needs wrk (Debian: `apt-get install -y wrk`). Every load loop is bounded by wrk's -d.
Adding a scenario is one entry in SCENARIOS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.generate import BENCH_PASSWORD, Scale, asyncpg_dsn, generate

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LUA = BENCH / "wrk" / "requests.lua"
PY = sys.executable
GENERATOR_VERSION = 2  # bump when bench/generate.py changes what it writes: datasets are regenerated


# ---------------------------------------------------------------- what the requests are built from ----

@dataclass
class Fixtures:
    """Ids and principals read from the generated database (deterministic: ORDER BY md5)."""

    caseworker_clients: list[tuple[uuid.UUID, uuid.UUID]]  # (caseworker, client on their team)
    caseworker_episodes: list[tuple[uuid.UUID, uuid.UUID]]  # (caseworker, open episode of their client)
    supervisors: list[uuid.UUID]  # supervisors of the heaviest branch
    branch: str
    deep_cursor: str  # 80 % down the supervisors' client list
    login_usernames: list[str]
    partner_machines: list[uuid.UUID] = field(default_factory=list)  # api_clients of the busiest partner agencies
    analysts: list[uuid.UUID] = field(default_factory=list)
    export_since: str | None = None  # updated_since giving about EXPORT_ROWS activities to the supervisors


async def load_fixtures(url: str) -> Fixtures:
    from api.pagination import encode_cursor

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        branch = "karasuyama"
        pairs = await conn.fetch(
            "SELECT t.user_id, t.client_id FROM care_team_member t JOIN user_account u ON u.id = t.user_id "
            "WHERE u.role = 'caseworker' AND u.username LIKE 'bench.%' ORDER BY md5(t.id::text) LIMIT 4000")
        episodes = await conn.fetch(
            "SELECT t.user_id, e.id FROM episode e JOIN care_team_member t ON t.client_id = e.client_id "
            "JOIN user_account u ON u.id = t.user_id WHERE u.role = 'caseworker' AND u.username LIKE 'bench.%' "
            "AND e.status IN ('active', 'on_hold') ORDER BY md5(e.id::text) LIMIT 4000")
        sups = await conn.fetch("SELECT id FROM user_account WHERE role = 'supervisor' AND $1 = ANY(branch_codes) "
                                "AND username LIKE 'bench.%' ORDER BY username LIMIT 50", branch)
        visible = await conn.fetchval("SELECT count(*) FROM client WHERE branch_code = $1 AND active", branch)
        deep = await conn.fetchrow(
            "SELECT kana_sort, kana, id FROM client WHERE branch_code = $1 AND active "
            "ORDER BY kana_sort, kana, id OFFSET $2 LIMIT 1", branch, int(visible * 0.8))
        logins = await conn.fetch("SELECT username FROM user_account WHERE role = 'caseworker' "
                                  "AND username LIKE 'bench.%' ORDER BY username LIMIT 200")
        machines = await conn.fetch(
            "SELECT k.id FROM api_client k JOIN referral r ON r.to_agency_id = k.agency_id "
            "WHERE k.role = 'partner' AND k.active AND r.status <> 'draft' "
            "GROUP BY k.id ORDER BY count(*) DESC, k.id LIMIT 10") if await conn.fetchval(
            "SELECT to_regclass('referral') IS NOT NULL") else []
        analysts = await conn.fetch("SELECT id FROM user_account WHERE role = 'analyst' AND active "
                                    "ORDER BY username LIMIT 10")
        since = await conn.fetchval(
            "SELECT a.updated_at FROM activity a JOIN client c ON c.id = a.client_id WHERE c.branch_code = $1 "
            "ORDER BY a.updated_at DESC OFFSET $2 LIMIT 1", branch, EXPORT_ROWS)
    finally:
        await conn.close()
    return Fixtures(
        caseworker_clients=[(r[0], r[1]) for r in pairs], caseworker_episodes=[(r[0], r[1]) for r in episodes],
        supervisors=[r[0] for r in sups], branch=branch,
        deep_cursor=encode_cursor([deep["kana_sort"], deep["kana"], str(deep["id"])]),
        login_usernames=[r[0] for r in logins], partner_machines=[r[0] for r in machines],
        analysts=[r[0] for r in analysts], export_since=since.isoformat() if since else None,
    )


EXPORT_ROWS = 100_000
Line = tuple[str, str, str | None, str | None, str | None]  # method, path, token, content type, body
Token = Callable[..., str]  # token(subject, kind="user")
Builder = Callable[[Fixtures, Token], list[Line]]


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    build: Builder | None = None
    missing: str | None = None  # why it is skipped (the endpoint is not in this branch yet)
    read: bool = True  # reads carry the "50 % of floor" target
    sweep: bool = False  # included in the p99-vs-size sweep
    sequential: bool = False  # one request at a time, timed whole (exports): seconds and RSS, not wrk
    floor: bool = True  # the floor app serves it


def _login(fx: Fixtures, token: Callable[[uuid.UUID], str]) -> list[Line]:
    form = "grant_type=password&username={}&password=" + urllib.parse.quote(BENCH_PASSWORD)
    return [("POST", "/v1/auth/token", None, "application/x-www-form-urlencoded", form.format(u))
            for u in fx.login_usernames]


def _detail(fx: Fixtures, token: Callable[[uuid.UUID], str]) -> list[Line]:
    return [("GET", f"/v1/clients/{c}", token(u), None, None) for u, c in fx.caseworker_clients]


def _list_first(fx: Fixtures, token: Callable[[uuid.UUID], str]) -> list[Line]:
    return [("GET", "/v1/clients?limit=50", token(u), None, None) for u in fx.supervisors]


def _list_deep(fx: Fixtures, token: Callable[[uuid.UUID], str]) -> list[Line]:
    return [("GET", f"/v1/clients?limit=50&cursor={fx.deep_cursor}", token(u), None, None) for u in fx.supervisors]


def _episodes(fx: Fixtures, token: Callable[[uuid.UUID], str]) -> list[Line]:
    return [("GET", f"/v1/episodes?limit=50&status=active&programme_code=tokyo_discharge&branch_code={fx.branch}",
             token(u), None, None) for u in fx.supervisors]


def _activity(fx: Fixtures, token: Callable[[uuid.UUID], str]) -> list[Line]:
    # The same day over and over: confirmed past the worker's five visits (issue 18's 409 otherwise).
    body = json.dumps({"kind": "home_visit", "occurred_at": "2026-03-30T10:00:00+09:00", "duration_minutes": 60,
                       "travel_minutes": 30, "note": "訪問。服薬確認。", "confirm_over_capacity": True},
                      ensure_ascii=False)
    return [("POST", f"/v1/episodes/{e}/activities", token(u), "application/json", body)
            for u, e in fx.caseworker_episodes]


def _referral_inbox(fx: Fixtures, token: Token) -> list[Line]:
    return [("GET", "/v1/referrals?box=incoming&limit=50", token(m, "client"), None, None)
            for m in fx.partner_machines]


def _dashboard(fx: Fixtures, token: Token) -> list[Line]:
    return [("GET", path, token(a), None, None) for a in fx.analysts
            for path in ("/v1/stats/supported-persons?fiscal_year_from=2023&fiscal_year_to=2025",
                         "/v1/stats/referrals?fiscal_year=2025")]  # the dataset's last years (as of 2026-03-31)


def _export(fx: Fixtures, token: Token) -> list[Line]:
    since = urllib.parse.quote(fx.export_since or "2000-01-01T00:00:00+00:00")
    return [("GET", f"/v1/exports/activities?updated_since={since}", token(fx.supervisors[0]), None, None)]


SCENARIOS: list[Scenario] = [
    Scenario("login", "login (password grant, Argon2)", _login, read=False),
    Scenario("client_detail", "client detail + audit write", _detail, sweep=True),
    Scenario("client_list_first", "client list, first page (50)", _list_first, sweep=True),
    Scenario("client_list_deep", "client list, deep cursor (80 %)", _list_deep, sweep=True),
    Scenario("episode_list", "episode list, status+programme+branch", _episodes, sweep=True),
    Scenario("activity_create", "activity create", _activity, read=False),
    Scenario("referral_inbox", "incoming referral box (partner system)", _referral_inbox, sweep=True),
    Scenario("dashboard", "dashboard aggregates (analyst)", _dashboard, floor=False),
    Scenario("export_100k", "export of 100k activities (NDJSON)", _export, sequential=True, floor=False),
]


# ---------------------------------------------------------------------------- servers and wrk ----

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One uvicorn (its own process group), stopped for sure on exit."""

    def __init__(self, target: str, workers: int, env: dict[str, str]) -> None:
        self.port = _free_port()
        args = [PY, "-m", "uvicorn", *target.split(), "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
        self.log = open(RESULTS / "server.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see bench/results/server.log")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server did not become ready")

    def settle(self, timeout: float = 60) -> None:
        """Wait until /healthz answers within 20 ms three times in a row: the server has drained the
        requests wrk left in flight when it stopped."""
        deadline, fast = time.monotonic() + timeout, 0
        while time.monotonic() < deadline and fast < 3:
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
                    r.read()
                fast = fast + 1 if time.perf_counter() - started < 0.02 else 0
            except OSError:
                fast = 0
            time.sleep(0.2)

    def rss_mb(self) -> float:
        """Resident memory of the server's processes (the master and its workers)."""
        total = 0
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return round(total / 1024, 1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_sequential(server: Server, line: Line, repeats: int) -> dict[str, Any]:
    """One request at a time (an export): wall seconds per request, rows (lines) received, and the
    largest resident size any worker reached, sampled every 50 ms while it streamed."""
    import threading

    method, path, tok, _, _ = line
    workers = _children(server.proc.pid) or [server.proc.pid]
    base_kb = max(_rss_kb(w) for w in workers)
    times, rows, errors, peak_kb = [], 0, 0, 0
    for _ in range(repeats):
        done = threading.Event()

        def sample(done: threading.Event = done) -> None:
            nonlocal peak_kb
            while not done.is_set():
                peak_kb = max(peak_kb, *(_rss_kb(w) for w in workers))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        req = urllib.request.Request(server.url + path, method=method,
                                     headers={"Authorization": f"Bearer {tok}"} if tok else {})
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                count = 0
                while chunk := r.read(1 << 16):
                    count += chunk.count(b"\n")
        except OSError:
            errors += 1
            count = 0
        times.append(time.perf_counter() - started)
        done.set()
        sampler.join()
        rows = count
    secs = sorted(times)[len(times) // 2]
    return {"seconds": round(secs, 2), "rows": rows, "rows_per_s": round(rows / secs) if secs else 0,
            "worker_base_rss_mb": round(base_kb / 1024, 1), "worker_peak_rss_mb": round(peak_kb / 1024, 1),
            "requests": repeats, "errors": errors, "rss_mb": server.rss_mb(),
            "rps": 0.0, "p50_ms": round(secs * 1000, 1), "p99_ms": round(max(times) * 1000, 1)}


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_wrk(url: str, lines: list[Line], duration: int, connections: int, threads: int) -> dict[str, Any]:
    path = RESULTS / "requests.tsv"
    with path.open("w") as f:
        for method, p, tok, ctype, body in lines:
            f.write("\t".join([method, p, f"Bearer {tok}" if tok else "-", ctype or "-", body or "-"]) + "\n")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA), url,
           "--", str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line[len("BENCH_JSON "):])
            secs = raw["duration_us"] / 1e6
            return {"rps": round(raw["requests"] / secs, 1), "p50_ms": round(raw["p50_us"] / 1000, 2),
                    "p90_ms": round(raw["p90_us"] / 1000, 2), "p99_ms": round(raw["p99_us"] / 1000, 2),
                    "max_ms": round(raw["max_us"] / 1000, 2), "requests": raw["requests"],
                    "errors": raw["non_2xx_3xx"] + raw["connect_errors"] + raw["read_errors"] + raw["timeouts"]}
    raise RuntimeError(f"wrk failed: {out.stdout}\n{out.stderr}")


class SealLag:
    """Samples the audit log's seal lag (age of the oldest event not yet in the log, what
    `seal_lag_s` of /v1/audit/checkpoints/latest reports) every 0.25 s while a scenario runs."""

    SQL = """
        WITH last AS (SELECT e.xid, e.seq FROM audit_leaf l JOIN audit_event e ON e.seq = l.event_seq
                      ORDER BY l.leaf_index DESC LIMIT 1)
        SELECT coalesce(extract(epoch FROM clock_timestamp() - min(a.at)), 0)::float8 FROM audit_event a
        WHERE (a.xid, a.seq) > (coalesce((SELECT xid FROM last), -1), coalesce((SELECT seq FROM last), 0))"""

    def __init__(self, url: str) -> None:
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._sample()), daemon=True)

    async def _sample(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.dsn)
        try:
            while not self._stop.is_set():
                self.samples.append(await conn.fetchval(self.SQL))
                await asyncio.sleep(0.25)
        finally:
            await conn.close()

    def __enter__(self) -> SealLag:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def p99(self) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)


# --------------------------------------------------------------------------------- database ----

@dataclass
class Database:
    server_url: str  # the server's maintenance database
    handle: Any = None

    @classmethod
    def start(cls, given: str | None) -> Database:
        if given:
            return cls(given)
        from api.ops.embedded_postgres import start_embedded

        server = start_embedded(BENCH / ".data")
        return cls(server.url("postgres"), server)

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.stop()

    def dataset(self, scale: Scale, seed: int) -> str:
        """The database holding this scale, generated on first use and reused afterwards."""
        from alembic import command

        from api.cli import alembic_config
        from api.db.engine import create_database

        name = f"bench_c{scale.clients}_e{scale.episodes}_a{scale.activities}_u{scale.users}_s{seed}"
        marker = f"generated v{GENERATOR_VERSION} " + json.dumps(asdict(scale))

        async def comment() -> str | None:
            conn = await asyncpg.connect(asyncpg_dsn(self.server_url))
            try:
                return await conn.fetchval(  # type: ignore[no-any-return]
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name)
            finally:
                await conn.close()

        if asyncio.run(comment()) == marker:
            print(f"dataset {name}: reusing", file=sys.stderr)
            return asyncio.run(create_database(self.server_url, name))
        print(f"dataset {name}: generating", file=sys.stderr)
        url = asyncio.run(create_database(self.server_url, name, drop_first=True))
        command.upgrade(alembic_config(url), "head")
        asyncio.run(generate(url, scale, seed))

        async def mark() -> None:
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
            finally:
                await conn.close()

        asyncio.run(mark())
        return url


# ------------------------------------------------------------------------------------ running ----

APPS = {"ours": "api.main:create_app --factory", "floor": "bench.floor_app:app"}


@dataclass
class Run:
    machine: dict[str, Any]
    scale: dict[str, int]
    settings: dict[str, Any]
    results: list[dict[str, Any]] = field(default_factory=list)
    sweep: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    audit: dict[str, str] = field(default_factory=dict)


def machine(server_url: str) -> dict[str, Any]:
    async def pg_version() -> str:
        conn = await asyncpg.connect(asyncpg_dsn(server_url))
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()

    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gb": round(int(mem) / 1024 / 1024, 1),
            "python": platform.python_version(), "postgresql": asyncio.run(pg_version()), "wrk": wrk.strip(),
            "os": platform.platform(), "date": datetime.now(UTC).isoformat(timespec="seconds")}


def bench_app(app: str, workers: int, url: str, scenarios: list[Scenario], fx: Fixtures, args: argparse.Namespace,
              extra_env: dict[str, str]) -> list[dict[str, Any]]:
    from api.config import Settings
    from api.security import KeyRing, TokenService

    # Every request of the load comes from 127.0.0.1 and a few principals: the limits are raised so
    # they do not answer 429, while the limiter's counting and syncing still run (their cost is measured).
    limits = {"RATE_LIMIT_PER_MINUTE": "100000000", "RATE_LIMIT_ANONYMOUS_PER_MINUTE": "100000000",
              "RATE_LIMIT_PER_ADDRESS_PER_MINUTE": "100000000"}
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(BENCH / ".data"), "ACCESS_TOKEN_TTL_S": "3600",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
           # The login line measures the password grant (Argon2 cost), off by default outside the demo.
           "PASSWORD_GRANT_ENABLED": "true", **limits, **extra_env}
    settings = Settings(database_url=url, data_dir=BENCH / ".data", access_token_ttl_s=3600)
    tokens = TokenService(KeyRing.from_settings(settings), settings)
    cache: dict[uuid.UUID, str] = {}

    def token(subject: uuid.UUID, kind: str = "user") -> str:
        if subject not in cache:
            cache[subject] = tokens.issue_access_token(subject, kind)[0]
        return cache[subject]

    out = []
    # Both apps get the same sealer, `python -m api sealer`, as a process of its own (ours with its
    # in-service sealer off, as README advises under load), so both leave a verified log and both pay
    # for sealing on these cores, neither inside its serving event loop.
    env["AUDIT_SEALER_IN_SERVICE"] = "false"
    server = Server(APPS[app], workers, env)
    sealer = subprocess.Popen([PY, "-m", "api", "sealer"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=server.log, start_new_session=True)
    try:
        server.wait_ready()
        for sc in scenarios:
            assert sc.build is not None
            if app == "floor" and not sc.floor:
                continue
            lines = sc.build(fx, token)
            server.settle()  # what the previous scenario left queued (logins: seconds of Argon2) must not count here
            if sc.sequential:
                row = {"app": app, "workers": workers, "scenario": sc.name,
                       **run_sequential(server, lines[0], args.export_repeats)}
                print(f"  {app:<5} w{workers} {sc.name:<20} {row['rows']:>9,} rows in {row['seconds']:.2f} s "
                      f"({row['rows_per_s']:,.0f} rows/s)  worker peak rss {row['worker_peak_rss_mb']} MB  "
                      f"errors {row['errors']}", file=sys.stderr, flush=True)
                out.append(row)
                continue
            if args.warmup:
                run_wrk(server.url, lines, args.warmup, args.connections, args.threads)
            with SealLag(url) as lag:
                figures = run_wrk(server.url, lines, args.duration, args.connections, args.threads)
            row = {"app": app, "workers": workers, "scenario": sc.name, **figures, "rss_mb": server.rss_mb(),
                   "seal_lag_p99_s": lag.p99()}
            print(f"  {app:<5} w{workers} {sc.name:<20} {row['rps']:>9,.0f} req/s  p50 {row['p50_ms']:>7.2f} ms  "
                  f"p99 {row['p99_ms']:>7.2f} ms  errors {row['errors']}  rss {row['rss_mb']} MB  "
                  f"seal lag p99 {row['seal_lag_p99_s']} s", file=sys.stderr, flush=True)
            out.append(row)
    finally:
        os.killpg(sealer.pid, signal.SIGTERM)
        sealer.wait(15)
        server.stop()
    return out


def verify_audit(url: str) -> dict[str, str]:
    """Seal what is left, then `verify-audit` over everything the run wrote (target: it passes)."""
    env = {**os.environ, "DATABASE_URL": url, "DATA_DIR": str(BENCH / ".data"), "PYTHONPATH": str(ROOT)}
    out = {}
    for name, argv in (("seal", ["sealer", "--once"]), ("verify", ["verify-audit"])):
        done = subprocess.run([PY, "-m", "api", *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        out[name] = (done.stdout + done.stderr).strip()
        print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def markdown(run: Run) -> str:
    m = run.machine
    lines = [
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}, {m['wrk']}; {m['date']}.",
        f"Dataset: {run.scale['clients']:,} clients, {run.scale['episodes']:,} episodes, "
        f"{run.scale['activities']:,} activities, {run.scale['users']:,} users. "
        f"wrk -t{run.settings['threads']} -c{run.settings['connections']} -d{run.settings['duration']}s, "
        "server, PostgreSQL and wrk on the same machine.",
        "",
    ]
    by = {(r["app"], r["workers"], r["scenario"]): r for r in run.results}
    workers = sorted({r["workers"] for r in run.results})
    head = ["scenario"]
    for w in workers:
        head += [f"ours {w}w req/s", "p50 ms", "p99 ms", f"floor {w}w req/s", "floor p99 ms", "ours/floor"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    extra: list[str] = []
    for sc in SCENARIOS:
        if sc.missing or sc.sequential or not any(r["scenario"] == sc.name for r in run.results):
            continue
        cells = [sc.label]
        for w in workers:
            o, f = by.get(("ours", w, sc.name)), by.get(("floor", w, sc.name))
            cells += [f"{o['rps']:,.0f}" if o else "–", f"{o['p50_ms']:.1f}" if o else "–",
                      f"{o['p99_ms']:.1f}" if o else "–", f"{f['rps']:,.0f}" if f else "–",
                      f"{f['p99_ms']:.1f}" if f else "–",
                      f"{o['rps'] / f['rps']:.2f}" if o and f and f["rps"] else "–"]
        lines.append("| " + " | ".join(cells) + " |")
    for sc in SCENARIOS:
        if not sc.sequential:
            continue
        for w in workers:
            o = by.get(("ours", w, sc.name))
            if o:
                extra.append(f"{sc.label}, ours {w}w, one request at a time: {o['rows']:,} rows in "
                             f"{o['seconds']:.2f} s ({o['rows_per_s']:,} rows/s), worker RSS "
                             f"{o['worker_base_rss_mb']} → peak {o['worker_peak_rss_mb']} MB"
                             + (f", errors {o['errors']}" if o["errors"] else ""))
    for s in run.skipped:
        lines.append(f"| {s['label']} | skipped: {s['why']} |" + " |" * (len(head) - 2))
    if extra:
        lines += [""] + [f"- {e}" for e in extra]
    lags = [(r, r["seal_lag_p99_s"]) for r in run.results if r.get("seal_lag_p99_s") is not None]
    if lags:
        lines += ["", "Seal lag p99 (s) during each scenario (age of the oldest unsealed audit event, sampled every "
                  "0.25 s): " + ", ".join(f"{r['app']} {r['workers']}w {r['scenario']} {lag}" for r, lag in lags),
                  f"Worst: {max(lag for _, lag in lags)} s."]
    errors = [r for r in run.results if r["errors"]]
    if errors:
        lines += ["", "Non-2xx or socket errors: " + ", ".join(
            f"{r['app']} {r['workers']}w {r['scenario']}: {r['errors']}" for r in errors)]
    if run.sweep:
        lines += ["", "p99 (ms) against dataset size, ours, 1 worker:", "",
                  "| activities | " + " | ".join(s.name for s in SCENARIOS if s.sweep) + " |",
                  "|---|" + "---|" * sum(1 for s in SCENARIOS if s.sweep)]
        for size in sorted({r["activities"] for r in run.sweep}):
            row = {r["scenario"]: r for r in run.sweep if r["activities"] == size}
            lines.append(f"| {size:,} | " + " | ".join(
                f"{row[s.name]['p99_ms']:.1f}" if s.name in row else "–" for s in SCENARIOS if s.sweep) + " |")
    return "\n".join(lines) + "\n"


def plot(run: Run, path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing (pip install -e '.[bench]'): no plot", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(7, 4))
    for sc in SCENARIOS:
        pts = sorted((r["activities"], r["p99_ms"]) for r in run.sweep if r["scenario"] == sc.name)
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=sc.label)
    ax.set_xscale("log")
    ax.set_xlabel("activities in the dataset (clients = activities / 10)")
    ax.set_ylabel("p99 latency (ms), 1 worker, 32 connections")
    ax.axhline(50, color="grey", linestyle="--", linewidth=0.8)
    ax.set_title("p99 against dataset size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server to use (default: embedded under bench/.data)")
    defaults = Scale()
    parser.add_argument("--clients", type=int, default=defaults.clients)
    parser.add_argument("--episodes", type=int, help="default: 1.5 × clients")
    parser.add_argument("--activities", type=int, help="default: 10 × clients")
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--seed", type=int, default=2010)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--apps", default="ours,floor")
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sweep", default="", help="activities per sweep point, e.g. 10000,100000,1000000")
    parser.add_argument("--sweep-duration", type=int, default=10)
    parser.add_argument("--export-repeats", type=int, default=3, help="sequential exports (median reported)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the servers (try a setting)")
    parser.add_argument("--out", default="latest")
    args = parser.parse_args(argv)

    if shutil.which("wrk") is None:
        print("wrk is not installed. On Debian/Ubuntu: sudo apt-get install -y wrk "
              "(https://github.com/wg/wrk). The benchmark needs it as its load generator.", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    scale = Scale(clients=args.clients, episodes=args.episodes or args.clients * 3 // 2,
                  activities=args.activities or args.clients * 10, users=args.users)
    wanted = set(args.scenarios.split(","))
    chosen = [s for s in SCENARIOS if s.name in wanted]
    extra_env = dict(e.split("=", 1) for e in args.env)
    db = Database.start(args.database_url)
    try:
        url = db.dataset(scale, args.seed)
        run = Run(machine(db.server_url), asdict(scale),
                  {"duration": args.duration, "connections": args.connections, "threads": args.threads,
                   "warmup": args.warmup, "env": extra_env})
        run.skipped = [{"scenario": s.name, "label": s.label, "why": s.missing or ""} for s in chosen if s.missing]
        for s in run.skipped:
            print(f"  skipped {s['scenario']}: {s['why']}", file=sys.stderr)
        runnable = [s for s in chosen if not s.missing]
        fx = asyncio.run(load_fixtures(url))
        for workers in [int(w) for w in args.workers.split(",") if w]:
            for app in args.apps.split(","):
                run.results += bench_app(app, workers, url, runnable, fx, args, extra_env)
        run.audit = verify_audit(url)
        if args.sweep:
            sweep_args = argparse.Namespace(**{**vars(args), "duration": args.sweep_duration})
            for activities in [int(a) for a in args.sweep.split(",")]:
                clients = max(activities // 10, 100)
                size = Scale(clients=clients, episodes=clients * 3 // 2, activities=activities, users=args.users)
                size_url = db.dataset(size, args.seed)
                size_fx = asyncio.run(load_fixtures(size_url))
                for row in bench_app("ours", 1, size_url, [s for s in runnable if s.sweep], size_fx, sweep_args,
                                     extra_env):
                    run.sweep.append({**row, "activities": activities})
    finally:
        db.stop()
    stem = RESULTS / args.out
    stem.with_suffix(".json").write_text(json.dumps(asdict(run), indent=2, default=str))
    table = markdown(run)
    stem.with_suffix(".md").write_text(table)
    if run.sweep:
        plot(run, RESULTS / "p99_vs_size.png")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
