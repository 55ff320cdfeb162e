"""A contributor who clones the repository can read every document the code and the docs point to:
no reference to design notes kept elsewhere, and every docs/ path named exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    [p for top in ("api", "tests", "bench", "scripts", "migrations", "docs") for p in (ROOT / top).rglob("*")
     if p.suffix in {".py", ".md"} and p.is_file()]
    + [ROOT / name for name in ("README.md", "CONTRIBUTING.md", "Dockerfile", "Makefile", "pyproject.toml")]
)
ELSEWHERE = re.compile(r"\b(DESIGN|STYLE|PERFORMANCE|REFERENCES)\.md\b|\bshared/")
DOCS_PATH = re.compile(r"\bdocs/[\w./-]+\.md\b")


def test_references_stay_inside_the_repository() -> None:
    outside, missing = [], []
    for path in SOURCES:
        if path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8")
        name = str(path.relative_to(ROOT))
        outside += [name] if ELSEWHERE.search(text) else []
        missing += [f"{name}: {ref}" for ref in DOCS_PATH.findall(text) if not (ROOT / ref).is_file()]
    assert not outside, f"pointing to documents outside the repository: {outside}"
    assert not missing, f"naming docs that do not exist: {missing}"


def test_the_architecture_guide_covers_what_contributors_need() -> None:
    guide = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for topic in ("One commit per request", "access model", "Adding an area", "If-Match", "Idempotency-Key",
                  "Cursor pages", "Problems", "audit"):
        assert topic in guide, topic
    assert "docs/architecture.md" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
