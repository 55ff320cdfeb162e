"""The real service as a user starts it (`make run`), in its own process group, with its own DATA_DIR
(so its own embedded PostgreSQL) and a free port: for the tests that need a live server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
# The outer make's jobserver and flags would leak into the inner `make run`; the suite's database
# settings would make the service skip its embedded server.
_DROP = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DATABASE_URL", "DATABASE_REPLICA_URL", "TEST_DATABASE_URL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    data_dir: Path
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pg"

    def postmaster_pid(self) -> int:
        return int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])

    def signal_group(self, sig: int) -> None:
        os.killpg(self.process.pid, sig)

    def wait_exit(self, timeout: float) -> int | None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            return self.process.wait(timeout)
        return None


def start(data_dir: Path, *, demo: bool = False, timeout: float = 180.0, **env: str) -> LiveServer:
    port = free_port()
    log = data_dir.parent / f"{data_dir.name}-{port}.log"
    environ = {k: v for k, v in os.environ.items() if k not in _DROP}
    environ.update(DATA_DIR=str(data_dir), PORT=str(port), HOST="127.0.0.1",
                   LOAD_DEMO_DATA="true" if demo else "false", **env)
    with open(log, "wb") as out:
        process = subprocess.Popen(["make", "-s", "run"], cwd=ROOT, env=environ, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = LiveServer(process, data_dir, port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`make run` exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return server
        time.sleep(0.3)
    stop(server)
    raise AssertionError(f"the service did not answer /healthz within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(server: LiveServer) -> None:
    """SIGTERM to the group, SIGKILL if it lingers; never leaves the embedded server behind."""
    with contextlib.suppress(ProcessLookupError):
        server.signal_group(signal.SIGTERM)
    if server.wait_exit(20) is None:
        with contextlib.suppress(ProcessLookupError):
            server.signal_group(signal.SIGKILL)
        server.wait_exit(5)


def postmasters_on(pgdata: Path) -> list[int]:
    """Pids of every live postgres process whose command line names `pgdata`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
            if state not in {"Z", "X"} and cmdline and cmdline[0].endswith(b"postgres") \
                    and str(pgdata).encode() in cmdline:
                found.append(int(entry.name))
    return found


@contextlib.contextmanager
def running(data_dir: Path, *, demo: bool = False, **env: str) -> Iterator[LiveServer]:
    server = start(data_dir, demo=demo, **env)
    try:
        yield server
    finally:
        stop(server)
