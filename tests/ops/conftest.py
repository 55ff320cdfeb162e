from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ops_data_dir() -> Iterator[Path]:
    """One DATA_DIR for every live-server test: the first start pays for initdb and migrations, the
    others reuse them (and each start proves the reuse path, including after a hard kill).

    Not under pytest's tmp_path: as root the embedded PostgreSQL runs as an unprivileged user that
    must reach the folder, and every pytest session resets /tmp/pytest-of-<user> to mode 0700."""
    folder = Path(tempfile.mkdtemp(prefix="iko-ops-"))
    try:
        yield folder / "data"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
