"""An embedded PostgreSQL for machines with no DATABASE_URL: the `pgserver` wheel, else the
PostgreSQL binaries on PATH, in the same data folder; failing both, a message naming DATABASE_URL."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
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
        if self._pg_ctl is not None:
            subprocess.run([self._pg_ctl, "-D", str(self.data_dir), "stop", "-m", "fast", "-w"], check=False,
                           capture_output=True, user=self._user)
            self._pg_ctl = None
        elif self._handle is not None:
            with contextlib.suppress(Exception):
                self._handle.cleanup()
            self._handle = None


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
    status = subprocess.run([pg_ctl, "-D", str(pgdata), "status"], capture_output=True, check=False, user=user)
    if status.returncode == 0:
        subprocess.run([pg_ctl, "-D", str(pgdata), "stop", "-m", "fast", "-w"], capture_output=True, check=False,
                       user=user)
    subprocess.run(
        [
            pg_ctl, "-D", str(pgdata), "-w", "-l", str(pgdata / "server.log"),
            "-o", f"-k {socket_dir} -c listen_addresses='' -c max_connections=200", "start",
        ],
        check=True, capture_output=True, user=user,
    )
    return EmbeddedPostgres(data_dir=pgdata, socket_dir=socket_dir, _pg_ctl=pg_ctl, _user=user)


def start_embedded(data_dir: Path) -> EmbeddedPostgres:
    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
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
        atexit.register(server.stop)
        log.info("embedded PostgreSQL running in %s", pgdata)
        return server
    raise SystemExit(
        "Could not start an embedded PostgreSQL ("
        + "; ".join(errors)
        + "). Set DATABASE_URL=postgresql+asyncpg://user:password@host:5432/dbname to use an existing server."
    )
