"""The change feed on committed data: it reads below the oldest running transaction, so these
tests write on real connections (not the rolled-back test transaction) and clean up after."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Column, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.sql import visitors

from api.db.models import CareTeamMember, Episode, Programme
from api.db.scopes import clients_visible_to
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.domain.roles import Role
from api.services.changes import FEED
from tests.change_feed_harness import _drain, live  # noqa: F401  (the fixture)
from tests.scenario import make_client
from tests.world import World


async def test_feed_shows_creates_updates_and_tombstones(live: Any, world: World) -> None:  # noqa: F811
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


async def test_leaving_the_care_team_is_a_tombstone(live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
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
    # One tombstone: the client went out of sight, and everything of it with it.
    assert [(i["resource_type"], i["id"], i["deleted"], i["reason"]) for i in items] == [
        ("client", str(client.id), True, "out_of_scope")]


FEED_READERS = ("supervisor", "caseworker", "caseworker2", "mental_care_worker", "public_health_nurse",
                "coordinator", "peer_supporter")


async def test_tombstones_only_for_records_the_caller_saw_and_lost(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    """Issue 14, finding 1: the feed gave every same-agency or same-branch reader tombstones (ids
    and change times) of clients they never could see, on inserts and on every update."""
    http, created = live
    starts = {name: (await _drain(http, world.auth(name)))[1] for name in FEED_READERS}
    caseworker = world.auth("caseworker")
    response = await http.post("/v1/clients", headers=caseworker, json={
        "name": "境界 三郎", "kana": "キョウカイ サブロウ", "date_of_birth": "1960-04-05", "sex": "male",
        "branch_code": "karasuyama", "residence_type": "apartment", "confirm_not_duplicate": True})
    assert response.status_code == 201, response.text
    client_id = response.json()["id"]
    created.append(uuid.UUID(client_id))
    async with engine.begin() as conn:  # the nurse joins the care team for a while
        nurse_membership = await conn.scalar(text(
            "INSERT INTO care_team_member (id, client_id, user_id, team_role, from_date) "
            "VALUES (gen_random_uuid(), :c, :u, 'public_health_nurse', :d) RETURNING id"),
            {"c": client_id, "u": world.users["public_health_nurse"], "d": today_tokyo() - timedelta(days=3)})
    patched = await http.patch(f"/v1/clients/{client_id}", headers={**caseworker, "If-Match": '"1"'},
                               json={"phone": "03-9999-0000"})
    assert patched.status_code == 200, patched.text
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE care_team_member SET to_date = :d, version = version + 1 WHERE id = :id"),
                           {"d": today_tokyo() - timedelta(days=1), "id": nurse_membership})
    moved = await http.patch(f"/v1/clients/{client_id}", headers={**caseworker, "If-Match": '"2"'},
                             json={"branch_code": "setagaya"})
    assert moved.status_code == 200, moved.text

    heard: dict[str, list[tuple[str, str, bool]]] = {}
    for name in FEED_READERS:
        items, _ = await _drain(http, world.auth(name), starts[name])
        heard[name] = [(i["resource_type"], i["reason"], i["deleted"]) for i in items
                       if i.get("client_id") == client_id or i["id"] == client_id]
    # Still on the team: the current record, never a tombstone.
    assert ("client", "updated", False) in heard["caseworker"]
    assert not any(deleted for _, _, deleted in heard["caseworker"])
    # Saw it through the branch until it moved: exactly one tombstone.
    assert heard["supervisor"] == [("client", "out_of_scope", True)]
    # On the team until the membership ended: exactly one tombstone.
    assert heard["public_health_nurse"] == [("client", "out_of_scope", True)]
    # Never saw it (another branch, same branch but not on the team, same agency as nobody): nothing.
    for name in ("caseworker2", "mental_care_worker", "coordinator", "peer_supporter"):
        assert heard[name] == [], name


async def test_a_change_that_keeps_the_record_in_sight_is_no_tombstone(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    """A supervisor who reads after a client moved away hears one tombstone, for the move: the
    earlier updates (while the client was in the branch) answer nothing of their own."""
    http, created = live
    auth = world.auth("supervisor")
    _, start = await _drain(http, auth)
    async with async_sessionmaker(engine, expire_on_commit=False)() as s:
        client = make_client("karasuyama", "移動 四郎", "イドウ シロウ")
        s.add(client)
        await s.commit()
    created.append(client.id)
    async with engine.begin() as conn:
        for phone in ("03-1111-1111", "03-2222-2222"):
            await conn.execute(text("UPDATE client SET phone = :p WHERE id = :id"), {"p": phone, "id": client.id})
    _, cursor = await _drain(http, auth, start)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE client SET phone = '03-3333-3333' WHERE id = :id"), {"id": client.id})
        await conn.execute(text("UPDATE client SET branch_code = 'tamagawa' WHERE id = :id"), {"id": client.id})
        await conn.execute(text("UPDATE client SET phone = '03-4444-4444' WHERE id = :id"), {"id": client.id})
    lost = []
    page_cursor = cursor
    while True:  # one change a page: no dedupe within a page can hide a second tombstone
        page = (await http.get("/v1/changes", headers=auth, params={"cursor": page_cursor, "limit": 1})).json()
        lost += [i for i in page["items"] if i["id"] == str(client.id)]
        page_cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [(i["deleted"], i["reason"]) for i in lost] == [(True, "out_of_scope")]


async def test_no_change_is_skipped_when_transactions_commit_out_of_order(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
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


async def test_the_log_keeps_every_column_the_scope_rules_read(engine: AsyncEngine, world: World) -> None:
    """The tombstone decision runs the scope rules on the kept columns only (the others read as
    null): a scope rule that starts reading another column must have the trigger keep it too."""
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT c.relname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'change_log_update'"))).all()
    kept = {table: set(re.findall(r"'(\w+)'", definition.split("change_log_record(")[1])) for table, definition in rows}
    assert set(kept) == set(FEED)
    read: set[tuple[str, str]] = set()
    for name, role in world.roles.items():
        principal = Principal("user", world.users[name], name, Role(role), world.agencies["mota"], "ward",
                              frozenset({"karasuyama"}))
        for source in [*FEED.values()]:
            for predicate in (source.visible(principal), clients_visible_to(principal)):
                for element in visitors.iterate(predicate):
                    table = getattr(element, "table", None)
                    if isinstance(element, Column) and table is not None and table.name in kept:
                        read.add((table.name, element.name))
    assert read, "the scope rules read no column of a feed table?"
    missing = {(table, column) for table, column in read if column not in kept[table]}
    assert not missing, f"scope rules read columns the change log does not keep: {missing}"


async def test_an_episode_cancelled_takes_the_client_from_its_coordinator_only(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    """The coordinator saw the client through its agency's episode: its cancellation is one client
    tombstone for the coordinator, and nothing for the peer supporter of the same agency (who
    never saw the client) nor for anyone else."""
    http, created = live
    readers = ("coordinator", "peer_supporter", "mental_care_worker", "supervisor")
    starts = {name: (await _drain(http, world.auth(name)))[1] for name in readers}
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        programme = Programme(code=f"c_{uuid.uuid4().hex[:8]}", name_ja="調整事業", name_en="Coordination",
                              operating_agency_ids=[world.agencies["mota"]], default_duration_months=12)
        client = make_client("setagaya", "調整 五郎", "チョウセイ ゴロウ")
        s.add_all([programme, client])
        await s.flush()
        episode = Episode(client_id=client.id, programme_id=programme.id, branch_code="setagaya",
                          operating_agency_id=world.agencies["mota"], lead_worker_id=world.users["coordinator"],
                          status="proposed", proposed_on=today_tokyo())
        s.add(episode)
        await s.commit()
    created.append(client.id)
    try:
        seen, _ = await _drain(http, world.auth("coordinator"), starts["coordinator"])
        assert {(i["resource_type"], i["deleted"]) for i in seen if i["client_id"] == str(client.id)} == {
            ("client", False), ("episode", False)}
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE episode SET planned_end = :d WHERE id = :id"),
                               {"d": today_tokyo() + timedelta(days=300), "id": episode.id})
            await conn.execute(text("UPDATE episode SET status = 'cancelled' WHERE id = :id"), {"id": episode.id})
        heard = {}
        for name in readers:
            items, _ = await _drain(http, world.auth(name), starts[name])
            heard[name] = [(i["resource_type"], i["deleted"]) for i in items if i.get("client_id") == str(client.id)]
        assert heard["coordinator"] == [("client", True)]
        assert heard["peer_supporter"] == heard["mental_care_worker"] == heard["supervisor"] == []
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM change_log WHERE client_id = :c"), {"c": client.id})
            await conn.execute(text("DELETE FROM episode_status_change WHERE episode_id = :e"), {"e": episode.id})
            await conn.execute(text("DELETE FROM episode WHERE id = :e"), {"e": episode.id})
            await conn.execute(text("DELETE FROM programme WHERE id = :p"), {"p": programme.id})
