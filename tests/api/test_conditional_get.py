"""If-None-Match on every GET that answers with an ETag: 304 without a body, the same ETag and
Cache-Control, weak comparison (RFC 9110 §13.1.2), `*` for any current representation; and a
304 on client data is an audited read like the 200 it stands for."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.db.models import AuditEvent
from tests.authz import ACTORS, Ctx, all_cases
from tests.scenario import build_scenario
from tests.world import World

# Single records a user fetches again and again; the walk must find them answering with an ETag.
EXPECTED_WITH_ETAG = {
    "GET /v1/clients/{client_id}", "GET /v1/episodes/{episode_id}", "GET /v1/referrals/{referral_id}",
    "GET /v1/agencies/{agency_id}", "GET /v1/users/{user_id}", "GET /v1/resources/{service_id}",
}


async def _conditional(client: httpx.AsyncClient, path: str, headers: dict[str, str], params: Any,
                       tag: str) -> httpx.Response:
    return await client.get(path, headers={**headers, "If-None-Match": tag}, params=params)


async def test_every_get_with_an_etag_answers_if_none_match(client: httpx.AsyncClient, conn: AsyncConnection,
                                                            db: AsyncSession, world: World) -> None:
    scenario = await build_scenario(db, world)
    await db.flush()
    await db.connection()
    ctx = Ctx(world=world, scenario=scenario, db=db)
    with_etag: set[str] = set()
    failures: list[str] = []
    for key, case in sorted(all_cases().items()):
        if case.method != "GET":
            continue
        role = next((r for r in ACTORS if case.expect[r][0] == 200), None)
        if role is None and case.expect["anonymous"][0] == 200:
            role = "anonymous"
        if role is None:
            continue
        savepoint = await conn.begin_nested()
        try:
            call = await case.build(ctx, True)
            await db.flush()
            headers = dict(call.headers)
            if role != "anonymous":
                headers["Authorization"] = f"Bearer {world.token(ACTORS[role])}"
            first = await client.get(call.path, headers=headers, params=call.params)
            etag = first.headers.get("etag")
            if first.status_code != 200 or etag is None:
                continue
            with_etag.add(key)
            for sent in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
                again = await _conditional(client, call.path, headers, call.params, sent)
                if again.status_code != 304 or again.content or again.headers.get("etag") != etag \
                        or again.headers.get("cache-control") != first.headers.get("cache-control"):
                    failures.append(f"{key} If-None-Match: {sent}: {again.status_code} {again.headers} "
                                    f"{again.text[:80]}")
            other = await _conditional(client, call.path, headers, call.params, '"999999", W/"0"')
            if other.status_code != 200 or other.content != first.content:
                failures.append(f"{key}: a stale tag got {other.status_code}")
        finally:
            if savepoint.is_active:
                await savepoint.rollback()
            db.expunge_all()
    assert not failures, "\n".join(failures)
    assert with_etag >= EXPECTED_WITH_ETAG, f"not walked: {EXPECTED_WITH_ETAG - with_etag}"


async def test_a_304_on_a_client_record_is_an_audited_read(client: httpx.AsyncClient, db: AsyncSession,
                                                          world: World) -> None:
    scenario = await build_scenario(db, world)
    await db.flush()
    path = f"/v1/clients/{scenario.client_in.id}"
    first = await client.get(path, headers=world.auth("caseworker"))
    assert first.status_code == 200
    again = await client.get(path, headers={**world.auth("caseworker"), "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    rows = (await db.execute(select(AuditEvent.action, AuditEvent.actor_id)
                             .where(AuditEvent.request_id == again.headers["x-request-id"],
                                    AuditEvent.client_id == scenario.client_in.id))).all()
    assert rows == [("read", world.users["caseworker"])]


async def test_a_changed_record_answers_200_with_the_new_etag(client: httpx.AsyncClient, db: AsyncSession,
                                                              world: World) -> None:
    scenario = await build_scenario(db, world)
    await db.flush()
    path = f"/v1/clients/{scenario.client_in.id}"
    first = await client.get(path, headers=world.auth("caseworker"))
    changed = await client.patch(path, json={"phone": "03-5432-1111"},
                                 headers={**world.auth("caseworker"), "If-Match": first.headers["etag"]})
    assert changed.status_code == 200, changed.text
    again = await client.get(path, headers={**world.auth("caseworker"), "If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
    assert again.headers["etag"] == changed.headers["etag"] != first.headers["etag"]
