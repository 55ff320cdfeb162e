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
    assert named_as_tests == [], f"helpers named like test files: {named_as_tests}"
# ---------------------------------------------------------------- one fact, one place (issue 16) ----

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(API.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """Which of *paths*' modules each imports (anywhere in it, a function-level import too: a late
    import that dodges a circle is still the circle)."""
    names = {_module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    if full in names:
                        deps.add(full)
                    elif node.module in names:
                        deps.add(node.module)
        deps.discard(name)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_service_modules() -> None:
    found = cycles(import_graph(sorted((API / "services").rglob("*.py"))))
    assert not found, (f"service modules import each other in a circle: {found}. Put the use case that needs "
                       "both in one orchestrating module they are both imported into (as consent_withdrawal does)")


def test_a_cycle_is_caught() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


_MUTATORS = {"append", "extend", "add", "update", "insert", "setdefault", "register", "__setitem__"}
# Third-party registries a module has to fill (not ours to shape): SQLAlchemy's reflection type names.
_REGISTRY_ALLOWED = {("db/models/changes.py", "ischema_names")}


def _top_level(stmts: list[ast.stmt]) -> list[ast.AST]:
    """What runs at import: module statements, descending into if/for/with/try but not into defs."""
    out: list[ast.AST] = []
    for stmt in stmts:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            out.extend(getattr(stmt, f) for f in ("test", "iter") if hasattr(stmt, f))
            for field in ("body", "orelse", "finalbody"):
                out.extend(_top_level(getattr(stmt, field, []) or []))
            for handler in getattr(stmt, "handlers", []):
                out.extend(_top_level(handler.body))
        else:
            out.append(stmt)
    return out


def registries_filled_at_import(source: str) -> list[tuple[int, str]]:
    """Module-level statements that add to a container (a hook list, a registry) as the module is
    imported: what is registered then depends on which modules happen to be imported."""
    found: list[tuple[int, str]] = []
    for stmt in _top_level(ast.parse(source).body):
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
                found.append((node.lineno, ast.unparse(node.func.value)))
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            found += [(t.lineno, ast.unparse(t.value)) for t in targets if isinstance(t, ast.Subscript)]
    return found


@pytest.mark.parametrize("path", sorted(API.rglob("*.py")), ids=lambda p: p.relative_to(API).as_posix())
def test_no_registry_filled_at_import(path: Path) -> None:
    where = path.relative_to(API).as_posix()
    found = [(line, what) for line, what in registries_filled_at_import(path.read_text(encoding="utf-8"))
             if (where, what) not in _REGISTRY_ALLOWED]
    assert not found, (f"{where} fills a module-level container at import at {found}: build it whole where it is "
                       "defined, or call the other module explicitly from the use case")


@pytest.mark.parametrize("snippet", [
    "consents.WITHDRAWAL_HOOKS.append(cancel)",
    "if cancel not in HOOKS:\n    HOOKS.append(cancel)",
    "for k in KINDS:\n    BY_STATUS.setdefault(k.status, k)",
    "REGISTRY['x'] = handler",
])
def test_a_new_registry_is_caught(snippet: str) -> None:
    assert registries_filled_at_import(snippet)


def test_registries_inside_functions_are_not_import_time() -> None:
    assert not registries_filled_at_import("def f():\n    HOOKS.append(1)\nX = [1]\nY = {k: 1 for k in X}")


def test_field_problems_are_built_by_the_one_helper() -> None:
    """A 422 naming fields is built by api.problems.field_error/invalid_field(s), so every `field`
    carries FastAPI's location prefix ("body.x", "query.x")."""
    found = []
    for path in sorted(API.rglob("*.py")):
        if path.relative_to(API).as_posix() == "problems.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and any(k.arg == "errors" for k in node.keywords) and \
                    isinstance(node.func, ast.Name) and node.func.id == "Problem":
                found.append(f"{path.relative_to(API)}:{node.lineno}")
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)} if isinstance(node, ast.Dict) else set()
            if {"field", "message", "code"} <= keys and "row" not in keys:  # an import report's row errors differ
                found.append(f"{path.relative_to(API)}:{node.lineno}")
    assert not found, f"hand-built field problems at {found}: use api.problems.invalid_field / field_error"


def test_consent_rules_live_in_the_domain() -> None:
    """status_of and covers are defined once, in api/domain/consent_rules.py."""
    defined = [f"{p.relative_to(API)}:{n.name}" for p in sorted(API.rglob("*.py"))
               for n in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
               if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in {"status_of", "covers"}]
    assert defined == ["domain/consent_rules.py:status_of", "domain/consent_rules.py:covers"]
