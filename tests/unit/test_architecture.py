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
    assert not banned, f"{path.name} imports {banned}: SQL belongs in services"


def test_only_security_imports_jose() -> None:
    users = [p.relative_to(API).as_posix() for p in API.rglob("*.py")
             if any(m.split(".")[0] == "jose" for m in imports_of(p))]
    assert users == ["security.py"]


# The policy modules: actions (and the few role facts) in access_rules, fields in field_policy,
# rows in scopes, and the one guard that enforces and audits. Nothing else decides by role.
POLICY_MODULES = {"domain/access_rules.py", "domain/field_policy.py", "db/scopes.py", "services/guard.py"}
DENIAL_OUTCOMES = {"denied", "not_found"}


def _mentions_role(node: ast.AST) -> bool:
    """`x.role` of an instance (a principal, a user row) or `Role.X`, anywhere in `node`. A mapped
    class's column (`UserAccount.role == :role`, a list filter) is SQL, not a decision."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute):
            if sub.attr == "role" and not (isinstance(sub.value, ast.Name) and sub.value.id[:1].isupper()):
                return True
            if isinstance(sub.value, ast.Name) and sub.value.id == "Role":
                return True
    return False


def role_decisions(source: str) -> list[int]:
    """Lines that decide by role: comparisons and matches on a role, `has_role` calls."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        compared = isinstance(node, ast.Compare) and any(_mentions_role(n) for n in (node.left, *node.comparators))
        matched = isinstance(node, ast.Match) and _mentions_role(node.subject)
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "has_role"
        if compared or matched or called:
            lines.append(node.lineno)
    return lines


def denials(source: str) -> list[int]:
    """Lines that refuse or audit a refusal on their own: `audit("denied", …)`, an audit or event
    with a denied/not-found outcome, a 403 problem."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        first = node.args[0] if node.args else None
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        outcome = next((k.value for k in node.keywords if k.arg == "outcome"), None)
        if (name == "audit" and isinstance(first, ast.Constant) and first.value == "denied") \
                or (isinstance(outcome, ast.Constant) and outcome.value in DENIAL_OUTCOMES) \
                or (name == "Problem" and isinstance(first, ast.Constant) and first.value == "forbidden") \
                or name == "forbidden":
            lines.append(node.lineno)
    return lines


def outside_policy() -> list[Path]:
    return [p for p in sorted(API.rglob("*.py")) if p.relative_to(API).as_posix() not in POLICY_MODULES]


@pytest.mark.parametrize("path", outside_policy(), ids=lambda p: p.relative_to(API).as_posix())
def test_no_role_decision_outside_the_policy(path: Path) -> None:
    found = role_decisions(path.read_text(encoding="utf-8"))
    assert not found, (f"{path.relative_to(API)} decides by role at lines {found}: add an Action rule to "
                       "api/domain/access_rules.py (or a row scope to api/db/scopes.py) and ask the guard")


@pytest.mark.parametrize("path", outside_policy(), ids=lambda p: p.relative_to(API).as_posix())
def test_no_denial_outside_the_guard(path: Path) -> None:
    found = denials(path.read_text(encoding="utf-8"))
    assert not found, (f"{path.relative_to(API)} refuses or audits a refusal itself at lines {found}: "
                       "use api.services.guard (require, allowed_to, invisible)")


@pytest.mark.parametrize("snippet", [
    "if principal.role == Role.supervisor: pass",
    "ok = principal.role in (Role.caseworker, Role.supervisor)",
    "ok = user.role not in {'caseworker'}",
    "ok = principal.role is Role.admin",
    "ok = changes.get('role', Role.admin) != Role.admin",
    "ok = principal.has_role(Role.admin)",
    "match principal.role:\n    case _: pass",
])
def test_a_new_role_check_is_caught(snippet: str) -> None:
    assert role_decisions(snippet)


@pytest.mark.parametrize("snippet", [
    "unit.audit('denied', 'activity', outcome='denied', durable=True)",
    "unit.audit('read', 'client', outcome='not_found')",
    "raise Problem('forbidden', 'no')",
    "raise forbidden('no')",
    "PendingEvent(action='x', resource_type='y', outcome='denied')",
])
def test_a_new_denial_is_caught(snippet: str) -> None:
    assert denials(snippet)


def test_filters_and_lookups_by_role_are_not_decisions() -> None:
    assert not role_decisions("stmt = stmt.where(UserAccount.role == role)")
    assert not role_decisions("team = TEAM_ROLE_OF.get(principal.role, 'other')")


# --- where things live (issue 16): docs/architecture.md §3 "Map of the code" ---------------------

OPERATIONAL_IMPORTS = {"subprocess", "shutil", "signal", "fcntl", "atexit", "pgserver"}


def _top(module: str) -> str:
    return module.split(".")[0]


def test_operational_code_lives_in_ops_and_only_the_cli_starts_it() -> None:
    """api/ops holds what operates the service (the embedded PostgreSQL, backup/restore); the
    request path (db, services, routers, domain, schemas, middleware) never imports it."""
    users = sorted(p.relative_to(API).as_posix() for p in API.rglob("*.py")
                   if not p.relative_to(API).as_posix().startswith("ops/")
                   and any(m == "api.ops" or m.startswith("api.ops.") for m in imports_of(p)))
    assert users == ["cli.py"], f"only the command line reaches api/ops: {users}"


@pytest.mark.parametrize("path", sorted((API / "db").rglob("*.py")), ids=lambda p: p.relative_to(API).as_posix())
def test_db_holds_no_operational_code(path: Path) -> None:
    banned = {m for m in imports_of(path) if _top(m) in OPERATIONAL_IMPORTS}
    assert not banned, f"{path.name} imports {banned}: processes and files belong in api/ops"


def test_no_repository_layer() -> None:
    """One persistence convention: services query through api/db/scopes.py (and the models); the
    queries an area's service modules share sit with them (`services/resource_queries.py`,
    `services/meetings/queries.py`), never as a repository under api/db."""
    named = sorted(p.relative_to(API).as_posix() for p in API.rglob("*.py")
                   if "repositor" in p.stem or p.stem.endswith("_repo") or p.stem == "repo")
    assert named == [], named
    services = {p.stem for p in (API / "services").glob("*.py")} | {
        p.name for p in (API / "services").iterdir() if (p / "__init__.py").exists()}
    per_area = sorted(p.name for p in (API / "db").glob("*.py") if p.stem in services - {"__init__"})
    assert per_area == [], f"an area's queries under api/db: {per_area}"


def test_the_meetings_area_is_one_package() -> None:
    """Meetings, agendas, councils and their public calendar are use cases of one area, found in
    api/services/meetings/ (routers, schemas, rules and tables stay in their layers)."""
    scattered = sorted(p.name for p in (API / "services").glob("*.py")
                       if any(word in p.stem for word in ("meeting", "agenda", "council")))
    assert scattered == [], f"meeting use cases outside api/services/meetings/: {scattered}"
    assert {p.stem for p in (API / "services" / "meetings").glob("*.py")} >= {
        "lifecycle", "agenda", "councils", "public_calendar", "queries"}


TESTS = API.parent / "tests"


def test_test_files_are_suites_and_helpers_are_not_named_as_tests() -> None:
    """A `test_*.py` file holds tests; a module other tests import from is a helper, named as one."""
    imported = set()
    for path in TESTS.rglob("*.py"):
        imported |= {m for m in imports_of(path) if m.startswith("tests.")}
    named_as_tests = sorted(m for m in imported if m.rsplit(".", 1)[-1].startswith("test_"))
    # The referral steps (_draft, _sent, ...) move to a helper module after the referral send path
    # (issue 16 part 4), which rewrites them, has landed; the set must only shrink.
    assert set(named_as_tests) <= {"tests.api.test_referrals"}, f"helpers named like test files: {named_as_tests}"
