"""Council meetings over HTTP: the 21 July 2010 meeting from plan to published minutes, what
anonymous readers see, the transition and agenda rules, and reorders under concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import Agency, AgendaItem, AuditEvent, Council, Meeting, NoticeDelivery, Subcommittee
from api.demo import newsletter as nl
from api.demo.load import DemoRefs
from api.demo.seed_meetings import seed
from api.main import create_app
from tests.meeting_records import JST, JULY_21, MeetingRecords, make_meeting
from tests.world import World

CLOSED_TITLE = "個別ケース検討（非公開）"
CLOSED_TEXT = "烏山地域の長期入院者1名"


def sec(world: World, version: int | None = None) -> dict[str, str]:
    headers = world.auth("secretariat")
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return headers


async def _subcommittee(client: httpx.AsyncClient, world: World) -> str:
    council = await client.post("/v1/councils", headers=sec(world), json={
        "code": "setagaya-kyogikai", "name_ja": nl.COUNCIL.name_ja, "name_en": nl.COUNCIL.name_en,
        "secretariat_agency_id": str(world.agencies["secretariat"])})
    assert council.status_code == 201, council.text
    sub = await client.post(f"/v1/councils/{council.json()['id']}/subcommittees", headers=sec(world), json={
        "code": "chiiki-ikou", "name_ja": "地域移行部会", "default_venue_ja": nl.COUNCIL.default_venue_ja})
    assert sub.status_code == 201, sub.text
    return str(sub.json()["id"])


def _july_items() -> list[dict[str, Any]]:
    july = nl.MEETINGS[0]
    return [{"kind": a.kind, "title_ja": a.title_ja, "title_en": a.title_en, "public": a.public,
             "planned_minutes": a.planned_minutes, "summary_ja": a.summary_ja,
             "presenters": [{"name_ja": p.name_ja, "title_ja": p.title_ja} for p in a.presenters],
             "figures": [{"key": f.key, "label_ja": f.label_ja, "value": f.value, "unit": f.unit}
                         for f in a.figures] or None}
            for a in july.agenda]


async def _transition(client: httpx.AsyncClient, world: World, meeting: dict[str, Any], action: str,
                      body: dict[str, Any] | None = None) -> httpx.Response:
    return await client.post(f"/v1/meetings/{meeting['id']}/transitions/{action}",
                             headers=sec(world, meeting["version"]), json=body)


async def test_july_meeting_planned_noticed_held_and_published(client: httpx.AsyncClient, world: World,
                                                               db: AsyncSession) -> None:
    sub_id = await _subcommittee(client, world)
    for agency in ("mota", "hasic"):
        r = await client.post("/v1/notice-subscriptions", headers=sec(world),
                              json={"subcommittee_id": sub_id, "agency_id": str(world.agencies[agency])})
        assert r.status_code == 201, r.text
    created = await client.post("/v1/meetings", headers=sec(world), json={
        "subcommittee_id": sub_id, "sequence": 2, "starts_at": "2010-07-21T05:00:00Z",
        "ends_at": "2010-07-21T16:00:00+09:00", "theme_ja": nl.MEETINGS[0].theme_ja,
        "subtitle_ja": nl.MEETINGS[0].subtitle_ja})
    assert created.status_code == 201, created.text
    meeting = created.json()
    assert created.headers["location"] == f"/v1/meetings/{meeting['id']}"
    assert meeting["starts_at"] == "2010-07-21T14:00:00+09:00"  # stored UTC, shown in Tokyo
    assert (meeting["fiscal_year"], meeting["fiscal_year_label"]) == (2010, "平成22年度")
    assert meeting["title_ja"] == "平成22年度 第2回 地域移行部会"
    assert meeting["venue_ja"] == nl.COUNCIL.default_venue_ja
    assert meeting["status"] == "scheduled"
    for item in _july_items():
        r = await client.post(f"/v1/meetings/{meeting['id']}/agenda-items", headers=sec(world), json=item)
        assert r.status_code == 201, r.text
    meeting = (await client.get(f"/v1/meetings/{meeting['id']}", headers=sec(world))).json()
    assert [i["position"] for i in meeting["agenda_items"]] == list(range(1, 9))

    noticed = await _transition(client, world, meeting, "send_notice")
    assert noticed.status_code == 200, noticed.text
    assert noticed.json()["status"] == "notice_sent"
    deliveries = (await client.get(f"/v1/meetings/{meeting['id']}/notice-deliveries", headers=sec(world))).json()
    assert sorted(d["agency_id"] for d in deliveries) == sorted(
        str(world.agencies[a]) for a in ("mota", "hasic"))
    assert len({d["send_id"] for d in deliveries}) == 1

    held = await _transition(client, world, noticed.json(), "hold", {
        "attendance_count": 48, "represented_agency_ids": [str(world.agencies["mota"])]})
    assert held.status_code == 200, held.text
    assert (held.json()["status"], held.json()["attendance_count"]) == ("held", 48)
    assert held.json()["represented_agency_ids"] == [str(world.agencies["mota"])]

    published = await _transition(client, world, held.json(), "publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "minutes_published"
    assert published.json()["allowed_actions"] == []

    public = await client.get("/v1/public/meetings")
    assert public.status_code == 200
    [shown] = [m for m in public.json()["items"] if m["id"] == meeting["id"]]
    assert shown["minutes"]["attendance_count"] == 48
    assert [i["title_ja"] for i in shown["minutes"]["items"]] == [
        a.title_ja for a in nl.MEETINGS[0].agenda if a.public]
    assert shown["minutes"]["items"][0]["figures"][0]["value"] == 3
    assert CLOSED_TITLE not in public.text
    assert CLOSED_TEXT not in public.text
    feed = await client.get("/v1/public/meetings.ics")
    assert CLOSED_TITLE not in feed.text
    assert CLOSED_TEXT not in feed.text

    actions = (await db.scalars(select(AuditEvent.action).where(
        AuditEvent.resource_type == "meeting", AuditEvent.resource_id == meeting["id"]))).all()
    assert {"create", "send_notice", "notice_sent", "hold", "publish"} <= set(actions)
    assert (await db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.resource_type == "agenda_item", AuditEvent.action == "create"))) >= 8


async def test_anonymous_sees_date_venue_theme_only_until_published(client: httpx.AsyncClient, world: World,
                                                                    db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"], status="held")
    meeting = await db.get(Meeting, records.meeting_id)
    assert meeting is not None
    meeting.theme_ja = "地域定着に向けた社会資源を考える"
    await db.flush()
    r = await client.get("/v1/public/meetings")
    [shown] = [m for m in r.json()["items"] if m["id"] == str(records.meeting_id)]
    assert shown["theme_ja"] == "地域定着に向けた社会資源を考える"
    assert shown["minutes"] is None
    assert "attendance_count" not in shown
    assert "agenda_items" not in shown
    assert "議題1" not in r.text
    assert r.headers["cache-control"].startswith("public")


async def test_closed_item_content_only_for_meeting_managers(client: httpx.AsyncClient, world: World,
                                                             db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    item = await db.get(AgendaItem, records.item_ids[1])
    assert item is not None
    item.public, item.summary_ja = False, CLOSED_TEXT
    await db.flush()
    for role, sees in (("caseworker", False), ("partner", False), ("secretariat", True), ("admin", True)):
        r = await client.get(f"/v1/meetings/{records.meeting_id}", headers=world.auth(role))
        closed = r.json()["agenda_items"][1]
        assert closed["title_ja"] == "議題2"
        assert (closed["summary_ja"] == CLOSED_TEXT) is sees, role
        assert (CLOSED_TEXT in r.text) is sees, role


async def test_published_minutes_leave_out_closed_items_and_stay_frozen(client: httpx.AsyncClient, world: World,
                                                                        db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"], status="held")
    first = await db.get(AgendaItem, records.item_ids[0])
    assert first is not None
    first.public, first.title_ja, first.summary_ja = False, CLOSED_TITLE, CLOSED_TEXT
    await db.flush()
    meeting = (await client.get(f"/v1/meetings/{records.meeting_id}", headers=sec(world))).json()
    published = (await _transition(client, world, meeting, "publish")).json()
    r = await client.get("/v1/public/meetings")
    [shown] = [m for m in r.json()["items"] if m["id"] == str(records.meeting_id)]
    assert [i["title_ja"] for i in shown["minutes"]["items"]] == ["議題2"]
    assert shown["minutes"]["items"][0]["number"] == 1
    assert CLOSED_TITLE not in r.text
    assert CLOSED_TEXT not in r.text
    # A published meeting is a closed record: its agenda no longer changes.
    item = published["agenda_items"][1]
    edit = await client.patch(f"/v1/agenda-items/{item['id']}", headers=sec(world, item["version"]),
                              json={"summary_ja": "後から書き換え"})
    assert edit.status_code == 409
    late = await client.patch(f"/v1/meetings/{records.meeting_id}", headers=sec(world, published["version"]),
                              json={"room_ja": "セミナールームA"})
    assert late.status_code == 409


async def test_calendar_feed_parses_with_stable_uids(client: httpx.AsyncClient, world: World,
                                                     db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    cancelled = await make_meeting(db, world.agencies["mota"], status="cancelled")
    first = await client.get("/v1/public/meetings.ics")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/calendar")
    events = {str(e["uid"]): e for e in Calendar.from_ical(first.content).walk("VEVENT")}
    event = events[f"meeting-{records.meeting_id}@setagaya-iko.example"]
    start = event.decoded("dtstart")
    assert start == JULY_21
    assert start.utcoffset() == timedelta(hours=9)
    assert str(event["dtstart"].params.get("TZID")) == "Asia/Tokyo"
    assert "キャロットタワー" in str(event["location"])
    assert str(events[f"meeting-{cancelled.meeting_id}@setagaya-iko.example"]["status"]) == "CANCELLED"

    meeting = (await client.get(f"/v1/meetings/{records.meeting_id}", headers=sec(world))).json()
    moved = await client.patch(f"/v1/meetings/{records.meeting_id}", headers=sec(world, meeting["version"]),
                               json={"starts_at": "2010-07-21T15:00:00+09:00"})
    assert moved.status_code == 200, moved.text
    again = Calendar.from_ical((await client.get("/v1/public/meetings.ics")).content)
    [same] = [e for e in again.walk("VEVENT") if str(e["uid"]) == str(event["uid"])]
    assert same.decoded("dtstart") == datetime(2010, 7, 21, 15, tzinfo=JST)
    assert int(same["sequence"]) > int(event["sequence"])


async def test_illegal_transition_is_409_naming_allowed_actions(client: httpx.AsyncClient, world: World,
                                                                db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    r = await client.post(f"/v1/meetings/{records.meeting_id}/transitions/publish", headers=sec(world, 1))
    assert r.status_code == 409
    body = r.json()
    assert body["type"].endswith("/illegal-transition")
    assert body["allowed"] == ["cancel", "hold", "send_notice"]
    unknown = await client.post(f"/v1/meetings/{records.meeting_id}/transitions/archive", headers=sec(world, 1))
    assert unknown.status_code == 422


async def test_hold_needs_attendance_and_a_started_meeting(client: httpx.AsyncClient, world: World,
                                                           db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    path = f"/v1/meetings/{records.meeting_id}/transitions"
    missing = await client.post(f"{path}/hold", headers=sec(world, 1), json={})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "body.attendance_count"
    negative = await client.post(f"{path}/hold", headers=sec(world, 1), json={"attendance_count": -1})
    assert negative.status_code == 422
    stray = await client.post(f"{path}/send_notice", headers=sec(world, 1), json={"attendance_count": 3})
    assert stray.status_code == 422
    unknown = await client.post(f"{path}/hold", headers=sec(world, 1),
                                json={"attendance_count": 0, "represented_agency_ids": [str(uuid.uuid4())]})
    assert unknown.status_code == 422
    zero = await client.post(f"{path}/hold", headers=sec(world, 1), json={"attendance_count": 0})
    assert zero.status_code == 200
    assert zero.json()["attendance_count"] == 0

    future = await make_meeting(db, world.agencies["mota"], starts_at=datetime.now(JST) + timedelta(days=7))
    early = await client.post(f"/v1/meetings/{future.meeting_id}/transitions/hold", headers=sec(world, 1),
                              json={"attendance_count": 10})
    assert early.status_code == 409


async def test_cancel_records_the_reason(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    r = await client.post(f"/v1/meetings/{records.meeting_id}/transitions/cancel", headers=sec(world, 1),
                          json={"reason": "台風のため"})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["cancelled"], r.json()["cancellation_reason"]) == (
        "cancelled", True, "台風のため")


async def test_updates_and_transitions_need_the_current_etag(client: httpx.AsyncClient, world: World,
                                                             db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    url = f"/v1/meetings/{records.meeting_id}"
    got = await client.get(url, headers=sec(world))
    assert got.headers["etag"] == '"1"'
    assert (await client.patch(url, headers=sec(world), json={"room_ja": "A"})).status_code == 428
    assert (await client.post(f"{url}/transitions/send_notice", headers=sec(world))).status_code == 428
    assert (await client.patch(url, headers=sec(world, 1), json={"room_ja": "A"})).status_code == 200
    assert (await client.patch(url, headers=sec(world, 1), json={"room_ja": "B"})).status_code == 412
    assert (await client.post(f"{url}/transitions/send_notice", headers=sec(world, 1))).status_code == 412
    item = await client.patch(f"/v1/agenda-items/{records.item_ids[0]}", headers=sec(world, 7),
                              json={"summary_ja": "x"})
    assert item.status_code == 412


async def test_agenda_changes_give_the_meeting_a_new_etag(client: httpx.AsyncClient, world: World,
                                                          db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    r = await client.patch(f"/v1/agenda-items/{records.item_ids[0]}", headers=sec(world, 1),
                           json={"summary_ja": "要旨"})
    assert r.status_code == 200
    assert r.headers["etag"] == '"2"'
    meeting = await client.get(f"/v1/meetings/{records.meeting_id}", headers=sec(world))
    assert meeting.headers["etag"] == '"2"'


async def test_create_is_idempotent_and_takes_a_client_id(client: httpx.AsyncClient, world: World,
                                                          db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    chosen = str(uuid.uuid4())
    body = {"id": chosen, "subcommittee_id": str(records.subcommittee_id),
            "starts_at": "2010-11-17T14:00:00+09:00", "ends_at": "2010-11-17T16:00:00+09:00",
            "room_ja": "ワークショップB"}
    headers = {**sec(world), "Idempotency-Key": "nov-2010"}
    first = await client.post("/v1/meetings", headers=headers, json=body)
    retry = await client.post("/v1/meetings", headers=headers, json=body)
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"] == chosen
    assert retry.headers.get("idempotent-replayed") == "true"
    assert first.json()["sequence"] == 3  # the next free number of FY2010
    count = await db.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.subcommittee_id == records.subcommittee_id))
    assert count == 2
    reused = await client.post("/v1/meetings", headers=headers, json={**body, "room_ja": "A"})
    assert reused.status_code == 422
    again = await client.post("/v1/meetings", headers=sec(world), json=body)
    assert again.status_code == 409
    taken = await client.post("/v1/meetings", headers=sec(world), json={**body, "id": None, "sequence": 2})
    assert taken.status_code == 409


async def test_inputs_are_bounded_and_strict(client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    base = {"subcommittee_id": str(records.subcommittee_id), "starts_at": "2010-11-17T14:00:00+09:00",
            "ends_at": "2010-11-17T16:00:00+09:00"}
    for bad in ({**base, "colour": "red"}, {**base, "theme_ja": "あ" * 301},
                {**base, "starts_at": "2010-11-17T14:00:00"}, {**base, "ends_at": "2010-11-17T13:00:00+09:00"}):
        r = await client.post("/v1/meetings", headers=sec(world), json=bad)
        assert r.status_code == 422, bad
    item = await client.post(f"/v1/meetings/{records.meeting_id}/agenda-items", headers=sec(world),
                             json={"kind": "gossip", "title_ja": "x"})
    assert item.status_code == 422


async def test_presenter_may_name_an_existing_agency_not_an_unknown_one(client: httpx.AsyncClient, world: World,
                                                                       db: AsyncSession) -> None:
    """Regression: ids were compared as str against UUID, so every presenter with an agency was refused."""
    records = await make_meeting(db, world.agencies["mota"])
    url = f"/v1/meetings/{records.meeting_id}/agenda-items"
    mota = str(world.agencies["mota"])
    presenter = {"name_ja": "支援センターMOTA", "agency_id": mota}
    added = await client.post(url, headers=sec(world), json={"kind": "presentation", "title_ja": "事業報告",
                                                             "presenters": [presenter]})
    assert added.status_code == 201, added.text
    assert added.json()["presenters"][0]["agency_id"] == mota
    edited = await client.patch(f"/v1/agenda-items/{added.json()['id']}", headers=sec(world, added.json()["version"]),
                                json={"presenters": [presenter, {"name_ja": "係長", "agency_id": mota}]})
    assert edited.status_code == 200, edited.text
    unknown = await client.post(url, headers=sec(world), json={
        "kind": "presentation", "title_ja": "x", "presenters": [{"name_ja": "誰か", "agency_id": str(uuid.uuid4())}]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "body.presenters"


async def test_reorder_takes_the_full_list_and_leaves_no_gaps(client: httpx.AsyncClient, world: World,
                                                              db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"], items=4)
    url = f"/v1/meetings/{records.meeting_id}/agenda-order"
    ids = [str(i) for i in records.item_ids]
    for bad in (ids[:3], [*ids, ids[0]], [*ids[:3], str(uuid.uuid4())]):
        r = await client.put(url, headers=sec(world, 1), json={"item_ids": bad})
        assert r.status_code == 422, bad
    order = [ids[2], ids[0], ids[3], ids[1]]
    r = await client.put(url, headers=sec(world, 1), json={"item_ids": order})
    assert r.status_code == 200, r.text
    assert [(i["id"], i["position"]) for i in r.json()["agenda_items"]] == list(zip(order, range(1, 5), strict=True))
    removed = await client.delete(f"/v1/agenda-items/{ids[0]}", headers=sec(world, 2))
    assert removed.status_code == 204
    meeting = (await client.get(f"/v1/meetings/{records.meeting_id}", headers=sec(world))).json()
    assert [(i["id"], i["position"]) for i in meeting["agenda_items"]] == [(ids[2], 1), (ids[3], 2), (ids[1], 3)]


async def test_database_refuses_two_items_in_one_position(db: AsyncSession, world: World) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    db.add(AgendaItem(meeting_id=records.meeting_id, position=1, kind="discussion", title_ja="重複"))
    with pytest.raises(IntegrityError):
        await db.flush()


async def test_notice_goes_to_each_subscribed_agency_once(client: httpx.AsyncClient, world: World,
                                                          db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    other = await make_meeting(db, world.agencies["grouphome"])  # another subcommittee's subscriber
    add = await client.post("/v1/notice-subscriptions", headers=sec(world), json={
        "subcommittee_id": str(records.subcommittee_id), "agency_id": str(world.agencies["hasic"])})
    dup = await client.post("/v1/notice-subscriptions", headers=sec(world), json={
        "subcommittee_id": str(records.subcommittee_id), "agency_id": str(world.agencies["hasic"])})
    assert (add.status_code, dup.status_code) == (201, 409)
    listed = (await client.get("/v1/notice-subscriptions", headers=sec(world),
                               params={"subcommittee_id": str(records.subcommittee_id)})).json()
    assert {s["agency_id"] for s in listed} == {str(world.agencies["mota"]), str(world.agencies["hasic"])}
    gone = await client.delete(f"/v1/notice-subscriptions/{records.subscription_id}", headers=sec(world))
    assert gone.status_code == 204
    r = await client.post(f"/v1/meetings/{records.meeting_id}/transitions/send_notice", headers=sec(world, 1))
    assert r.status_code == 200
    assert r.json()["status"] == "notice_sent"
    sent = (await db.scalars(select(NoticeDelivery.agency_id).where(
        NoticeDelivery.meeting_id == records.meeting_id))).all()
    assert sent == [world.agencies["hasic"]]
    assert other.meeting_id != records.meeting_id
    again = await client.post(f"/v1/meetings/{records.meeting_id}/transitions/send_notice", headers=sec(world, 2))
    assert again.status_code == 409


async def test_list_pages_by_cursor_and_updated_since(client: httpx.AsyncClient, world: World,
                                                      db: AsyncSession) -> None:
    records = await make_meeting(db, world.agencies["mota"])
    later = Meeting(subcommittee_id=records.subcommittee_id, fiscal_year=2010, sequence=3, title_ja="第3回",
                    starts_at=datetime(2010, 11, 17, 14, tzinfo=JST), ends_at=datetime(2010, 11, 17, 16, tzinfo=JST),
                    venue_ja="キャロットタワー", status="scheduled")
    db.add(later)
    await db.flush()
    params = {"subcommittee_id": str(records.subcommittee_id), "limit": "1"}
    first = (await client.get("/v1/meetings", headers=world.auth("peer_supporter"), params=params)).json()
    assert [m["id"] for m in first["items"]] == [str(records.meeting_id)]
    second = (await client.get("/v1/meetings", headers=world.auth("peer_supporter"),
                               params={**params, "cursor": first["next_cursor"]})).json()
    assert [m["id"] for m in second["items"]] == [str(later.id)]
    assert second["next_cursor"] is None
    bad = await client.get("/v1/meetings", headers=sec(world), params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 422

    await db.execute(text("UPDATE meeting SET updated_at = '2010-01-01T00:00:00Z' WHERE id = :id"),
                     {"id": records.meeting_id})
    since = (await client.get("/v1/meetings", headers=sec(world), params={
        "subcommittee_id": str(records.subcommittee_id), "updated_since": "2011-01-01T00:00:00+09:00"})).json()
    assert [m["id"] for m in since["items"]] == [str(later.id)]


async def test_demo_seed_loads_the_fy2010_meetings(client: httpx.AsyncClient, world: World,
                                                   db: AsyncSession) -> None:
    refs = DemoRefs()
    for agency in nl.AGENCIES:  # the demo's agencies, beside the test world's
        row = Agency(code=f"demo_{agency.code}", name_ja=agency.name_ja, name_en=agency.name_en, type=agency.type)
        db.add(row)
        await db.flush()
        refs.agencies[agency.code] = row.id
    await seed(db, refs)
    await db.flush()
    r = await client.get("/v1/public/meetings", params={"limit": "200"})
    demo = [m for m in r.json()["items"] if m["subcommittee_name_ja"] == "地域移行部会" and m["fiscal_year"] == 2010
            and m["venue_ja"] == nl.COUNCIL.default_venue_ja]
    july = next(m for m in demo if m["starts_at"] == "2010-07-21T14:00:00+09:00")
    assert july["status"] == "minutes_published"
    assert july["minutes"]["attendance_count"] == 48
    assert len(july["minutes"]["items"]) == 7
    assert CLOSED_TITLE not in r.text
    planned = {(m["starts_at"], m["room_ja"], m["status"]) for m in demo if m is not july}
    assert planned >= {("2010-11-17T14:00:00+09:00", "ワークショップB", "scheduled"),
                       ("2011-01-26T14:00:00+09:00", "セミナールームAB", "scheduled"),
                       ("2011-03-16T14:00:00+09:00", "セミナールームA", "scheduled")}


# ------------------------------------------------------------- concurrency (real commits) ----


@pytest.fixture
async def committed(settings: Settings, world: World) -> Any:
    """A second app on the real database (the `client` fixture shares one rolled-back connection,
    which cannot show two transactions racing); its committed rows are deleted afterwards."""
    app = create_app(settings)
    maker = async_sessionmaker(app.state.engine, expire_on_commit=False)
    async with maker() as session:
        records = await make_meeting(session, world.agencies["mota"], items=5)
        await session.commit()
    yield app, records
    async with maker() as session:
        await session.execute(delete(Meeting).where(Meeting.id == records.meeting_id))
        await session.execute(text("DELETE FROM notice_subscription WHERE subcommittee_id = :s"),
                              {"s": records.subcommittee_id})
        await session.execute(delete(Subcommittee).where(Subcommittee.id == records.subcommittee_id))
        await session.execute(delete(Council).where(Council.id == records.council_id))
        await session.commit()
    await app.state.engine.dispose()


async def _positions(app: FastAPI, records: MeetingRecords) -> list[tuple[uuid.UUID, int]]:
    async with async_sessionmaker(app.state.engine)() as session:
        rows = await session.execute(select(AgendaItem.id, AgendaItem.position).where(
            AgendaItem.meeting_id == records.meeting_id).order_by(AgendaItem.position))
        return [(r[0], r[1]) for r in rows]


async def test_concurrent_reorders_and_adds_keep_positions_whole(committed: Any, world: World) -> None:
    app, records = committed
    ids = [str(i) for i in records.item_ids]
    orders = [list(reversed(ids)), [*ids[1:], ids[0]]]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as a, \
            httpx.AsyncClient(transport=transport, base_url="http://t") as b:
        url = f"/v1/meetings/{records.meeting_id}/agenda-order"
        results = await asyncio.gather(*(c.put(url, headers=sec(world, 1), json={"item_ids": o})
                                         for c, o in zip((a, b), orders, strict=True)))
        assert sorted(r.status_code for r in results) == [200, 412]
        winner = orders[[r.status_code for r in results].index(200)]
        positions = await _positions(app, records)
        assert [(str(i), p) for i, p in positions] == list(zip(winner, range(1, 6), strict=True))

        adds = await asyncio.gather(*(c.post(f"/v1/meetings/{records.meeting_id}/agenda-items", headers=sec(world),
                                             json={"kind": "announcement", "title_ja": f"追加{n}"})
                                      for n, c in enumerate((a, b))))
        assert [r.status_code for r in adds] == [201, 201], [r.text for r in adds]
        assert [p for _, p in await _positions(app, records)] == list(range(1, 8))


async def test_notice_reaches_subscribed_partner_systems_through_the_outbox(
        client: httpx.AsyncClient, world: World, db: AsyncSession) -> None:
    from api.db.models import WebhookDelivery

    records = await make_meeting(db, world.agencies["hospital"])
    hook = await client.post("/v1/webhooks", headers=world.auth("hospital-system"), json={
        "url": "https://hospital.example/hooks", "events": ["meeting.*"]})
    assert hook.status_code == 201, hook.text
    r = await client.post(f"/v1/meetings/{records.meeting_id}/transitions/send_notice", headers=sec(world, 1))
    assert r.status_code == 200
    queued = (await db.execute(select(WebhookDelivery.event_type, WebhookDelivery.resource_id).where(
        WebhookDelivery.subscription_id == uuid.UUID(hook.json()["id"])))).all()
    assert queued == [("meeting.notice_sent", records.meeting_id)]
