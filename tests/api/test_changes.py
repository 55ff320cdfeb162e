"""The change feed on committed data: it reads below the oldest running transaction, so these
tests write on real connections (not the rolled-back test transaction) and clean up after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.config import Settings
from api.db.models import CareTeamMember
from api.domain.fiscal import today_tokyo
from api.main import create_app
from tests.scenario import make_client
from tests.world import World


@pytest.fixture
async def live(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[httpx.AsyncClient, list[uuid.UUID]]]:
    """An app on the real database, and a list to put the ids of clients the test commits."""
    app = create_app(settings)
    created: list[uuid.UUID] = []
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield http, created
    finally:
        await app.state.engine.dispose()
        async with engine.begin() as conn:
            ids = {"ids": created}
            for table in ("care_team_member", "client"):
                key = "id" if table == "client" else "client_id"
                await conn.execute(text(f"DELETE FROM {table} WHERE {key} = ANY(:ids)"), ids)
            await conn.execute(text("DELETE FROM change_log WHERE client_id = ANY(:ids)"), ids)


async def _drain(http: httpx.AsyncClient, auth: dict[str, str], cursor: str | None = None
                 ) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        page = await http.get("/v1/changes", headers=auth, params={"cursor": cursor} if cursor else {})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, cursor


async def test_feed_shows_creates_updates_and_tombstones(live: Any, world: World) -> None:
    http, created = live
    auth = world.auth("caseworker")
    _, start = await _drain(http, auth)
    response = await http.post("/v1/clients", headers=auth, json={
        "name": "変更 花子", "kana": "ヘンコウ ハナコ", "date_of_birth": "1971-02-03", "sex": "female",
        "branch_code": "karasuyama", "residence_type": "apartment", "confirm_not_duplicate": True})
    assert response.status_code == 201, response.text
    client_id = response.json()["id"]
    created.append(uuid.UUID(client_id))
    items, cursor = await _drain(http, auth, start)
    assert [(i["resource_type"], i["reason"], i["deleted"]) for i in items] == [
        ("client", "created", False), ("care_team_member", "created", False)]
    assert items[0]["record"]["name"] == "変更 花子"
    patched = await http.patch(f"/v1/clients/{client_id}", headers={**auth, "If-Match": '"1"'},
                               json={"phone": "03-1234-5678"})
    assert patched.status_code == 200
    items, cursor = await _drain(http, auth, cursor)
    assert [(i["reason"], i["record"]["phone"]) for i in items] == [("updated", "03-1234-5678")]
    # Resuming from the same cursor again gives the same changes: nothing is consumed by reading.
    again, _ = await _drain(http, auth, start)
    assert len(again) == 2
    gone = await http.post(f"/v1/clients/{client_id}/deactivate", headers={**auth, "If-Match": '"2"'},
                           json={"reason": "転居"})
    assert gone.status_code == 200
    items, cursor = await _drain(http, auth, cursor)
    assert [(i["resource_type"], i["id"], i["deleted"], i["reason"]) for i in items] == [
        ("client", client_id, True, "deactivated")]
    # Someone who never saw the client hears nothing of it.
    others, _ = await _drain(http, world.auth("caseworker2"), start)
    assert all(i.get("client_id") != client_id for i in others)


async def test_leaving_the_care_team_is_a_tombstone(live: Any, world: World, engine: AsyncEngine) -> None:
    http, created = live
    auth = world.auth("mental_care_worker")
    _, start = await _drain(http, auth)
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        client = make_client("setagaya", "範囲 一郎", "ハンイ イチロウ")
        s.add(client)
        await s.flush()
        member = CareTeamMember(client_id=client.id, user_id=world.users["mental_care_worker"],
                                team_role="mental_care_worker", from_date=today_tokyo() - timedelta(days=5))
        s.add(member)
        await s.commit()
    created.append(client.id)
    items, cursor = await _drain(http, auth, start)
    assert {(i["resource_type"], i["deleted"]) for i in items} == {("client", False), ("care_team_member", False)}
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE care_team_member SET to_date = :d, version = version + 1 WHERE id = :id"),
                           {"d": today_tokyo() - timedelta(days=1), "id": member.id})
    items, _ = await _drain(http, auth, cursor)
    assert [(i["resource_type"], i["deleted"], i["reason"]) for i in items] == [
        ("care_team_member", True, "out_of_scope"), ("client", True, "out_of_scope")]


async def test_no_change_is_skipped_when_transactions_commit_out_of_order(
        live: Any, world: World, engine: AsyncEngine) -> None:
    http, created = live
    auth = world.auth("supervisor")  # sees every Karasuyama client
    _, start = await _drain(http, auth)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as first, maker() as second:
        early = make_client("karasuyama", "先 開始", "サキ カイシ")
        late = make_client("karasuyama", "後 開始", "アト カイシ")
        created += [early.id, late.id]
        first.add(early)
        await first.flush()  # the first writer takes the lower transaction id …
        second.add(late)
        await second.commit()  # … but the second one commits first.
        items, cursor = await _drain(http, auth, start)
        # Showing the second writer's change now would move the cursor past the first one's.
        assert items == []
        await first.commit()
    items, cursor = await _drain(http, auth, cursor)
    assert [i["id"] for i in items] == [str(early.id), str(late.id)]
    assert (await _drain(http, auth, cursor))[0] == []


async def test_feed_is_for_people_who_work_on_records(client: httpx.AsyncClient, world: World) -> None:
    for name in ("analyst", "secretariat", "partner", "admin", "auditor"):
        assert (await client.get("/v1/changes", headers=world.auth(name))).status_code == 403
    bad = await client.get("/v1/changes", headers=world.auth("caseworker"), params={"cursor": "bm90LWpzb24"})
    assert bad.status_code == 422
