"""The README's walkthrough runs as written: its blocks marked `<!-- walkthrough -->` run in order,
in one bash session, against the real service with the demo data (`make run` on a port of its
own), and every one exits 0. curl is made to fail on an HTTP error answer, so a block that gets a
4xx or 5xx fails here as it would confuse a reader."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.ops import live_server

pytestmark = pytest.mark.process
README = live_server.ROOT / "README.md"
MARKER = "<!-- walkthrough -->"
_BLOCK = re.compile(r"^" + re.escape(MARKER) + r"\n```(?:sh|bash)\n(.*?)\n```", re.DOTALL | re.MULTILINE)

# Before the blocks: stop at the first failing command, and let curl fail on an error status
# (showing the problem body), which the README's plain `curl -s` would not.
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body --max-time 60 "$@"; }
"""


def walkthrough_blocks() -> list[str]:
    return _BLOCK.findall(README.read_text())


def test_every_marked_block_is_a_shell_block() -> None:
    markers = re.findall(r"^" + re.escape(MARKER) + r"$", README.read_text(), re.MULTILINE)
    assert len(markers) == len(walkthrough_blocks()), "a walkthrough marker not followed by a ```sh block"
    assert len(walkthrough_blocks()) >= 6


def test_readme_walkthrough_runs_against_a_live_server(ops_data_dir: Path, tmp_path: Path) -> None:
    blocks = walkthrough_blocks()
    script = [PRELUDE]
    for number, block in enumerate(blocks, 1):
        script.append(f'echo "=== walkthrough block {number}" >&2\n{block}\n')
    script.append('echo "=== walkthrough done" >&2\n')
    with live_server.running(ops_data_dir, demo=True) as server:
        done = subprocess.run(["bash", "-c", "".join(script)], cwd=tmp_path, capture_output=True, text=True,
                              env={"PATH": "/usr/local/bin:/usr/bin:/bin", "API": server.base_url,
                                   "HOME": str(tmp_path), "LANG": "C.UTF-8"}, timeout=120, check=False)
    reached = re.findall(r"=== walkthrough block (\d+)", done.stderr)
    failing = reached[-1] if reached else "?"
    assert done.returncode == 0, (
        f"README walkthrough block {failing} failed (exit {done.returncode}):\n"
        f"{blocks[int(failing) - 1] if failing != '?' else ''}\n--- stdout\n{done.stdout[-2000:]}\n"
        f"--- stderr\n{done.stderr[-2000:]}")
    assert "=== walkthrough done" in done.stderr
    assert (tmp_path / "clients.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # the export block's file, BOM first
