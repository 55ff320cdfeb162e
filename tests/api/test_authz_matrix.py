"""Every route × every role × in-scope and out-of-scope record, against tests/authz's tables."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests.authz import ACTORS, ROLES, Ctx, all_cases
from tests.scenario import build_scenario
from tests.world import World

CASES = all_cases()


def app_routes(app: FastAPI) -> list[str]:
    out = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            out.extend(f"{m} {route.path}" for m in sorted(route.methods))
    return out


def test_every_route_has_a_matrix_entry(app: FastAPI) -> None:
    missing = [r for r in app_routes(app) if r not in CASES]
    assert not missing, f"routes without an authorization matrix entry: {missing}"
    stale = [k for k in CASES if k not in app_routes(app)]
    assert not stale, f"matrix entries for routes that do not exist: {stale}"


@pytest.mark.parametrize("key", sorted(CASES))
async def test_route_matrix(key: str, client: httpx.AsyncClient, conn: AsyncConnection, db: AsyncSession,
                            world: World) -> None:
    case = CASES[key]
    scenario = await build_scenario(db, world)
    await db.flush()
    # Open the session's own savepoint now, outside every role's savepoint: opened lazily by a
    # builder, it would die with the first role's rollback and the session could not close.
    await db.connection()
    ctx = Ctx(world=world, scenario=scenario, db=db)
    failures: list[str] = []
    for role in ROLES:
        for in_scope, want in ((True, case.expect[role][0]), (False, case.expect[role][1])):
            savepoint = await conn.begin_nested()
            try:
                call = await case.build(ctx, in_scope)
                await db.flush()
                headers = dict(call.headers)
                if role != "anonymous":
                    headers.setdefault("Authorization", f"Bearer {world.token(ACTORS[role])}")
                kwargs: dict[str, Any] = {"headers": headers, "params": call.params}
                if call.json is not None:
                    kwargs["json"] = call.json
                if call.data is not None:
                    kwargs["data"] = call.data
                if call.files is not None:
                    kwargs["files"] = call.files
                response = await client.request(case.method, call.path, **kwargs)
                if response.status_code != want:
                    failures.append(f"{role} {'in' if in_scope else 'out'}-scope: {response.status_code} != {want} "
                                    f"({response.text[:160]})")
            finally:
                if savepoint.is_active:
                    await savepoint.rollback()
                db.expunge_all()
    assert not failures, f"{key}:\n" + "\n".join(failures)
