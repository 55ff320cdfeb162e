"""A PostgreSQL server of the test's own, in a temp folder, that a test may stop and start."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from api.ops.embedded_postgres import find_binary, postgres_user


@dataclass
class ScratchPostgres:
    root: Path
    pg_ctl: str
    user: str | None = None

    @property
    def data(self) -> Path:
        return self.root / "pg"

    @property
    def socket_dir(self) -> Path:
        return self.root  # mkdtemp in /tmp keeps the socket path short

    @classmethod
    def create(cls) -> ScratchPostgres:
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("no initdb/pg_ctl (pgserver wheel or PATH)")
        root = Path(tempfile.mkdtemp(prefix="iko-f-"))
        user = postgres_user()
        if user is not None:
            shutil.chown(root, user)
        subprocess.run([initdb, "-D", str(root / "pg"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                        "--locale=C", "--no-sync"], check=True, capture_output=True, user=user)
        return cls(root=root, pg_ctl=pg_ctl, user=user)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self.socket_dir}"

    def running(self) -> bool:
        status = subprocess.run([self.pg_ctl, "-D", str(self.data), "status"], capture_output=True, check=False,
                                user=self.user)
        return status.returncode == 0

    def start(self) -> None:
        if self.running():
            return
        subprocess.run(
            [self.pg_ctl, "-D", str(self.data), "-w", "-l", str(self.root / "server.log"), "-o",
             f"-k {self.socket_dir} -c listen_addresses='' -c max_connections=120 -c fsync=off", "start"],
            check=True, capture_output=True, user=self.user)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run([self.pg_ctl, "-D", str(self.data), "-w", "-m", mode, "stop"], check=False,
                       capture_output=True, user=self.user)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
