from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ops_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One DATA_DIR for every live-server test: the first start pays for initdb and migrations, the
    others reuse them (and each start proves the reuse path, including after a hard kill)."""
    return tmp_path_factory.mktemp("ops") / "data"
