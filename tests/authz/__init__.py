"""The authorization matrix: every route × every role × an in-scope and an out-of-scope record.

Each area adds a module here with `CASES: list[RouteCase]`; `test_authz_matrix` collects them and
fails for any route of the app that has no case."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from tests.scenario import Scenario
    from tests.world import World

ROLES = (
    "admin", "supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator",
    "peer_supporter", "partner", "secretariat", "analyst", "auditor", "anonymous",
)
# The principal used for each role; partner and analyst are also checked as machine clients
# (tests/api/test_authz_matrix.py).
ACTORS = {role: role for role in ROLES if role != "anonymous"}


@dataclass
class Call:
    """One concrete request."""

    path: str
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None  # multipart uploads
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None


# A builder receives the matrix context (world, scenario records, a db session) and `in_scope`,
# and returns the request to send. Builders may create records: each role's request runs in a
# savepoint that is rolled back afterwards.
Builder = Callable[[Any, bool], Awaitable[Call]]


@dataclass
class Ctx:
    """What a builder receives."""

    world: World
    scenario: Scenario
    db: AsyncSession


@dataclass
class RouteCase:
    method: str
    path: str
    build: Builder
    expect: dict[str, tuple[int, int]]


def expect(default: tuple[int, int] | int, **per_role: tuple[int, int] | int) -> dict[str, tuple[int, int]]:
    """Expected (in-scope, out-of-scope) status per role; an int means the same for both."""

    def pair(v: tuple[int, int] | int) -> tuple[int, int]:
        return (v, v) if isinstance(v, int) else v

    unknown = set(per_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: pair(per_role.get(role, default)) for role in ROLES}


def fixed(path: str, **kw: Any) -> Builder:
    async def build(ctx: Any, in_scope: bool) -> Call:
        return Call(path=path, **kw)

    return build


def all_cases() -> dict[str, RouteCase]:
    cases: dict[str, RouteCase] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for case in getattr(module, "CASES", []):
            key = f"{case.method} {case.path}"
            assert key not in cases, f"two matrix cases for {key}"
            cases[key] = case
    return cases
