"""The layering docs/architecture.md §3 describes, kept by a test: pure domain rules, HTTP-only routers, one
module that touches python-jose."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((API / folder).glob("*.py"))


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_domain_rules_import_no_framework(path: Path) -> None:
    banned = {m for m in imports_of(path) if m.split(".")[0] in {"fastapi", "starlette", "sqlalchemy", "asyncpg"}}
    assert not banned, f"{path.name} imports {banned}"


@pytest.mark.parametrize("path", modules("routers"), ids=lambda p: p.name)
def test_routers_do_no_sql(path: Path) -> None:
    banned = {m for m in imports_of(path) if m.split(".")[0] in {"sqlalchemy", "asyncpg"}}
    assert not banned, f"{path.name} imports {banned}: SQL belongs in services and repositories"


def test_only_security_imports_jose() -> None:
    users = [p.relative_to(API).as_posix() for p in API.rglob("*.py")
             if any(m.split(".")[0] == "jose" for m in imports_of(p))]
    assert users == ["security.py"]
