"""The lock is what gets installed: it must agree with pyproject.toml, the production set must not
carry the development-only embedded PostgreSQL, and the service must run without it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".venv" / "bin" / "uv"

needs_uv = pytest.mark.skipif(not UV.exists(),
                              reason=f"uv is not installed at {UV} (`make .venv/.installed` installs it)")


def _uv(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    return subprocess.run([str(UV), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


@needs_uv
def test_pyproject_and_the_lock_agree() -> None:
    checked = _uv("lock", "--check", "--offline")
    assert checked.returncode == 0, f"uv.lock is out of date with pyproject.toml: run `make lock`\n{checked.stderr}"


@needs_uv
def test_the_check_notices_a_dependency_added_without_locking(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    text = pyproject.read_text()
    edited = text.replace('dependencies = [\n', 'dependencies = [\n    "left-pad-never-locked>=1",\n', 1)
    assert edited != text
    pyproject.write_text(edited)
    assert _uv("lock", "--check", "--offline", cwd=tmp_path).returncode != 0


@needs_uv
def test_production_dependencies_leave_out_the_embedded_server() -> None:
    exported = _uv("export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes")
    assert exported.returncode == 0, exported.stderr
    names = {re.split(r"[=<>; ]", line.strip(), maxsplit=1)[0].lower()
             for line in exported.stdout.splitlines() if line.strip() and not line.lstrip().startswith("#")}
    assert {"fastapi", "asyncpg", "uvicorn"} <= names
    assert not {"pgserver", "psutil"} & names
    jose = re.search(r"^python-jose==(\d+)\.(\d+)", exported.stdout, re.MULTILINE)
    assert jose is not None
    assert (int(jose[1]), int(jose[2])) >= (3, 5), "python-jose < 3.5 has CVE-2024-33663/33664"


def test_the_service_runs_on_database_url_without_pgserver(database_url: str) -> None:
    """As in the image: every module imports and `migrate` works with pgserver unimportable."""
    script = (
        "import sys, pkgutil, importlib\n"
        "sys.modules['pgserver'] = None  # import pgserver now raises ImportError\n"
        "import api\n"
        "for m in pkgutil.walk_packages(api.__path__, 'api.'):\n"
        "    if m.name != 'api.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "from api.main import create_app\n"
        "create_app()\n"
        "from api.cli import main\n"
        "main(['migrate'])\n"
        "print('ok')\n"
    )
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("ok")
