"""An embedded PostgreSQL for machines with no DATABASE_URL: the `pgserver` wheel, else the
PostgreSQL binaries on PATH, in the same data folder; failing both, a message naming DATABASE_URL."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("api.embedded")


class EmbeddedUnavailable(RuntimeError):
    pass


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    socket_dir: Path
    _handle: Any = field(default=None, repr=False)
    _pg_ctl: str | None = None  # set when started from the PostgreSQL binaries
    _user: str | None = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def stop(self) -> None:
        """Stop the server unless another live process still uses it. Idempotent: called from the
        serve command's `finally` (signals) and again from atexit (every other command)."""
        if self._pg_ctl is not None:
            with _owners_locked(self.data_dir) as owners:
                owners.discard(os.getpid())
                if not owners:
                    subprocess.run([self._pg_ctl, "-D", str(self.data_dir), "stop", "-m", "fast", "-w"],
                                   check=False, capture_output=True, user=self._user)
            self._pg_ctl = None
        elif self._handle is not None:
            with contextlib.suppress(Exception):
                self._handle.cleanup()  # pgserver stops it when the last process on .handle_pids.json leaves
            self._handle = None


# The processes using a data folder's server, one pid each: the pgserver wheel's own file, also used
# for servers started from the binaries, so both paths agree on who is still using it.
OWNERS_FILE = ".handle_pids.json"


def _alive(pid: int) -> bool:
    """True for a running process; a zombie (killed, not yet reaped) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[-1].split()[0] not in {"Z", "X"}
    return True


@contextlib.contextmanager
def _owners_locked(pgdata: Path) -> Iterator[set[int]]:
    """The live owners of the server in `pgdata`, under an exclusive lock; changes are written back."""
    with open(pgdata.parent / f".{pgdata.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = pgdata / OWNERS_FILE
        try:
            listed = {int(p) for p in json.loads(path.read_text())}
        except (OSError, ValueError, TypeError):
            listed = set()
        owners = {p for p in listed if _alive(p)}
        yield owners
        if pgdata.is_dir() and (owners != listed or path.exists()):
            path.write_text(json.dumps(sorted(owners)))
            if postgres_user() is not None:
                shutil.chown(path, "pgserver")


def _postmaster_pid(pgdata: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    return None


def stop_stale(pgdata: Path, grace_s: float = 8.0) -> bool:
    """Stop a postmaster on `pgdata` that no live process uses: one left running by a service that was
    killed hard (SIGKILL, OOM, power button on the terminal) before it could stop it. Its owners on
    the list are all dead, so nobody will ever stop it otherwise. A server a live process still uses
    is left alone (and reused). Answers whether a stale server was stopped."""
    pid = _postmaster_pid(pgdata)
    if pid is None or not _alive(pid):
        return False
    with _owners_locked(pgdata) as owners:
        owners.discard(os.getpid())
        if owners:
            return False
        log.warning("stopping a stale embedded PostgreSQL (pid %d) left in %s by a process that is gone", pid, pgdata)
        pg_ctl = find_binary("pg_ctl")
        if pg_ctl is not None:
            subprocess.run([pg_ctl, "-D", str(pgdata), "stop", "-m", "fast", "-w", "-t", str(int(grace_s))],
                           check=False, capture_output=True, user=postgres_user())
        for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGKILL):  # when pg_ctl is missing or failed
            if not _alive(pid):
                break
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
            deadline = time.monotonic() + grace_s / 2
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
    return True


def _version(binary: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    numbers = re.search(r"(\d+)(?:\.(\d+))?", out.rsplit(")", 1)[-1])
    return tuple(int(n) for n in numbers.groups() if n) if numbers else ()


def find_binary(name: str) -> str | None:
    """`name` (pg_dump, pg_restore, pg_ctl, ...) from PG_BIN_DIR, the pgserver wheel, PATH or
    Debian's /usr/lib/postgresql: the newest found, since pg_dump refuses a newer server."""
    candidates: list[str] = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(str(Path(os.environ["PG_BIN_DIR"]) / name))
    with contextlib.suppress(ImportError):
        import pgserver

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name))
    if found := shutil.which(name):
        candidates.append(found)
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        candidates += [str(v / "bin" / name) for v in root.iterdir()]
    existing = [c for c in dict.fromkeys(candidates) if Path(c).is_file() and os.access(c, os.X_OK)]
    if os.environ.get("PG_BIN_DIR") and existing and existing[0].startswith(os.environ["PG_BIN_DIR"]):
        return existing[0]  # an explicit choice wins
    return max(existing, key=_version, default=None)


def postgres_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, its binaries run as an unprivileged `pgserver`
    user (the account the pgserver wheel uses for the same reason), created when missing."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam("pgserver")
    except KeyError:
        subprocess.run(["useradd", "--system", "-s", "/usr/sbin/nologin", "pgserver"], check=True,
                       capture_output=True)
    return "pgserver"


def _start_with_pgserver(pgdata: Path) -> EmbeddedPostgres:
    try:
        import pgserver
    except ImportError as exc:  # no wheel for this Python
        raise EmbeddedUnavailable("the pgserver package is not installed") from exc
    server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    uri: str = server.get_uri()
    # pgserver answers postgresql://postgres:@/postgres?host=<socket dir>
    socket_dir = Path(uri.split("host=", 1)[1])
    return EmbeddedPostgres(data_dir=pgdata, socket_dir=socket_dir, _handle=server)


def _start_with_binaries(pgdata: Path) -> EmbeddedPostgres:
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise EmbeddedUnavailable("no initdb/pg_ctl on PATH")
    user = postgres_user()
    # Unix socket paths are limited to ~107 bytes, so the socket lives in a short temp folder.
    socket_dir = Path(tempfile.mkdtemp(prefix="iko-pg-"))
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
    if user is not None:
        for path in (pgdata, socket_dir):
            shutil.chown(path, user)
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(
            [initdb, "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True, user=user,
        )
    with _owners_locked(pgdata) as owners:
        status = subprocess.run([pg_ctl, "-D", str(pgdata), "status"], capture_output=True, check=False, user=user)
        if status.returncode == 0:  # a live process runs it (a stale one was stopped before): share it
            server = EmbeddedPostgres(data_dir=pgdata, socket_dir=_socket_dir(pgdata), _pg_ctl=pg_ctl, _user=user)
            owners.add(os.getpid())
            return server
        _launch(pg_ctl, pgdata, socket_dir, user)
        owners.add(os.getpid())
    return EmbeddedPostgres(data_dir=pgdata, socket_dir=socket_dir, _pg_ctl=pg_ctl, _user=user)


def _socket_dir(pgdata: Path) -> Path:
    """The socket folder of a running server: line 5 of postmaster.pid."""
    return Path((pgdata / "postmaster.pid").read_text().splitlines()[4])


def _launch(pg_ctl: str, pgdata: Path, socket_dir: Path, user: str | None) -> None:
    subprocess.run(
        [
            pg_ctl, "-D", str(pgdata), "-w", "-l", str(pgdata / "server.log"),
            "-o", f"-k {socket_dir} -c listen_addresses='' -c max_connections=200", "start",
        ],
        check=True, capture_output=True, user=user,
    )


RUNNING: list[EmbeddedPostgres] = []


def stop_all() -> None:
    """Stop every embedded server this process started (the serve command's shutdown path)."""
    while RUNNING:
        RUNNING.pop().stop()


def start_embedded(data_dir: Path) -> EmbeddedPostgres:
    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    stop_stale(pgdata)
    errors = []
    for starter in (_start_with_pgserver, _start_with_binaries):
        try:
            server = starter(pgdata)
        except subprocess.CalledProcessError as exc:
            said = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or [""]
            errors.append(f"{starter.__name__}: {exc.cmd[0]} failed: {said[0]}")
            continue
        except (EmbeddedUnavailable, OSError) as exc:
            errors.append(f"{starter.__name__}: {exc}")
            continue
        atexit.register(server.stop)  # the serve command also stops it on SIGTERM/SIGINT (see api.cli)
        RUNNING.append(server)
        log.info("embedded PostgreSQL running in %s", pgdata)
        return server
    raise SystemExit(
        "Could not start an embedded PostgreSQL ("
        + "; ".join(errors)
        + "). Set DATABASE_URL=postgresql+asyncpg://user:password@host:5432/dbname to use an existing server."
    )
