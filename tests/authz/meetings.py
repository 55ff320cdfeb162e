from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from tests.authz import Call, RouteCase, expect, fixed
from tests.meeting_records import MeetingRecords
from tests.meeting_records import make_meeting as _make

SIGNED_IN = expect(200, anonymous=401)
V1 = {"If-Match": '"1"'}


async def make_meeting(ctx: Any) -> MeetingRecords:
    """Records in the matrix's per-role savepoint. A session of its own that joins the connection's
    transaction without a savepoint of its own: ctx.db's savepoint would not survive the matrix
    rolling back the per-role savepoint it sits in."""
    maker = async_sessionmaker(bind=ctx.db.bind, expire_on_commit=False, join_transaction_mode="rollback_only")
    async with maker() as session:
        records = await _make(session, ctx.world.agencies["mota"])
        await session.flush()
    return records


def manage(ok: int, missing: int) -> dict[str, tuple[int, int]]:
    """Only the secretariat and admin manage meetings; a record that is not there is 404 to them."""
    return expect(403, anonymous=401, secretariat=(ok, missing), admin=(ok, missing))


def _meeting_path(suffix: str = "", **kw: Any):  # type: ignore[no-untyped-def]
    async def build(ctx: Any, in_scope: bool) -> Call:
        records = await make_meeting(ctx)
        target = records.meeting_id if in_scope else uuid.uuid4()
        return Call(path=f"/v1/meetings/{target}{suffix}", **kw)
    return build


def _item_path(**kw: Any):  # type: ignore[no-untyped-def]
    async def build(ctx: Any, in_scope: bool) -> Call:
        records = await make_meeting(ctx)
        return Call(path=f"/v1/agenda-items/{records.item_ids[0] if in_scope else uuid.uuid4()}", **kw)
    return build


async def _create_council(ctx: Any, in_scope: bool) -> Call:
    agency = ctx.world.agencies["secretariat"] if in_scope else uuid.uuid4()
    return Call(path="/v1/councils", json={"code": "matrix-council", "name_ja": "協議会",
                                           "secretariat_agency_id": str(agency)})


async def _create_subcommittee(ctx: Any, in_scope: bool) -> Call:
    records = await make_meeting(ctx)
    council = records.council_id if in_scope else uuid.uuid4()
    return Call(path=f"/v1/councils/{council}/subcommittees", json={"code": "matrix-sub", "name_ja": "部会"})


async def _create_meeting(ctx: Any, in_scope: bool) -> Call:
    records = await make_meeting(ctx)
    sub = records.subcommittee_id if in_scope else uuid.uuid4()
    return Call(path="/v1/meetings", json={"subcommittee_id": str(sub), "starts_at": "2010-11-17T14:00:00+09:00",
                                           "ends_at": "2010-11-17T16:00:00+09:00"})


async def _reorder(ctx: Any, in_scope: bool) -> Call:
    records = await make_meeting(ctx)
    target = records.meeting_id if in_scope else uuid.uuid4()
    return Call(path=f"/v1/meetings/{target}/agenda-order", headers=V1,
                json={"item_ids": [str(i) for i in reversed(records.item_ids)]})


async def _subscribe(ctx: Any, in_scope: bool) -> Call:
    records = await make_meeting(ctx)
    agency = ctx.world.agencies["hasic"] if in_scope else uuid.uuid4()
    return Call(path="/v1/notice-subscriptions",
                json={"subcommittee_id": str(records.subcommittee_id), "agency_id": str(agency)})


async def _unsubscribe(ctx: Any, in_scope: bool) -> Call:
    records = await make_meeting(ctx)
    return Call(path=f"/v1/notice-subscriptions/{records.subscription_id if in_scope else uuid.uuid4()}")


CASES = [
    RouteCase("GET", "/v1/councils", fixed("/v1/councils"), SIGNED_IN),
    RouteCase("POST", "/v1/councils", _create_council, manage(201, 422)),
    RouteCase("POST", "/v1/councils/{council_id}/subcommittees", _create_subcommittee, manage(201, 404)),
    RouteCase("GET", "/v1/meetings", fixed("/v1/meetings"), SIGNED_IN),
    RouteCase("POST", "/v1/meetings", _create_meeting, manage(201, 422)),
    RouteCase("GET", "/v1/meetings/{meeting_id}", _meeting_path(), expect((200, 404), anonymous=401)),
    RouteCase("PATCH", "/v1/meetings/{meeting_id}", _meeting_path(headers=V1, json={"room_ja": "ワークショップB"}),
              manage(200, 404)),
    RouteCase("POST", "/v1/meetings/{meeting_id}/transitions/{action}",
              _meeting_path("/transitions/send_notice", headers=V1), manage(200, 404)),
    RouteCase("PUT", "/v1/meetings/{meeting_id}/agenda-order", _reorder, manage(200, 404)),
    RouteCase("POST", "/v1/meetings/{meeting_id}/agenda-items",
              _meeting_path("/agenda-items", json={"kind": "announcement", "title_ja": "お知らせ"}),
              manage(201, 404)),
    RouteCase("PATCH", "/v1/agenda-items/{item_id}", _item_path(headers=V1, json={"summary_ja": "要旨"}),
              manage(200, 404)),
    RouteCase("DELETE", "/v1/agenda-items/{item_id}", _item_path(headers=V1), manage(204, 404)),
    RouteCase("GET", "/v1/meetings/{meeting_id}/notice-deliveries", _meeting_path("/notice-deliveries"),
              manage(200, 404)),
    RouteCase("GET", "/v1/notice-subscriptions", fixed("/v1/notice-subscriptions"), manage(200, 200)),
    RouteCase("POST", "/v1/notice-subscriptions", _subscribe, manage(201, 422)),
    RouteCase("DELETE", "/v1/notice-subscriptions/{subscription_id}", _unsubscribe, manage(204, 404)),
    # Public: no login, the same answer for everyone (a token changes nothing).
    RouteCase("GET", "/v1/public/meetings", fixed("/v1/public/meetings"), expect(200)),
    RouteCase("GET", "/v1/public/meetings.ics", fixed("/v1/public/meetings.ics"), expect(200)),
]
