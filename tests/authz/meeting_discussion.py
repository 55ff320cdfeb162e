"""Matrix rows for structured minutes (issue 18, item 9): everyone signed in reads the published
entries and the attendance, the meeting managers record them, anyone reads the published minutes'
discussion; the out-of-scope call names a record that does not exist."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker

from api.db.models import MinutesEntry
from tests.authz import Call, RouteCase, expect
from tests.authz.meetings import manage
from tests.meeting_records import make_meeting

V1 = {"If-Match": '"1"'}
SPEAKER = {"label_ja": "フロア参加者", "affiliation_ja": "フロア", "from_floor": True}


async def _records(ctx: Any, status: str = "held") -> tuple[uuid.UUID, uuid.UUID]:
    """A meeting and one entry in the matrix's per-role savepoint (see tests/authz/meetings.py)."""
    maker = async_sessionmaker(bind=ctx.db.bind, expire_on_commit=False, join_transaction_mode="rollback_only")
    async with maker() as session:
        records = await make_meeting(session, ctx.world.agencies["mota"], status=status)
        entry = MinutesEntry(meeting_id=records.meeting_id, position=1, kind="question", speaker=SPEAKER,
                             text_ja="質問")
        session.add(entry)
        await session.flush()
    return records.meeting_id, entry.id


def _meeting(suffix: str, status: str = "held", **kw: Any):  # type: ignore[no-untyped-def]
    async def build(ctx: Any, in_scope: bool) -> Call:
        meeting_id, _ = await _records(ctx, status)
        return Call(path=f"/v1/meetings/{meeting_id if in_scope else uuid.uuid4()}{suffix}", **kw)
    return build


def _entry(**kw: Any):  # type: ignore[no-untyped-def]
    async def build(ctx: Any, in_scope: bool) -> Call:
        _, entry_id = await _records(ctx)
        return Call(path=f"/v1/minutes-entries/{entry_id if in_scope else uuid.uuid4()}", **kw)
    return build


async def _public(ctx: Any, in_scope: bool) -> Call:
    meeting_id, _ = await _records(ctx, "minutes_published")
    return Call(path=f"/v1/public/meetings/{meeting_id if in_scope else uuid.uuid4()}/discussion")


CASES = [
    RouteCase("GET", "/v1/meetings/{meeting_id}/minutes-entries", _meeting("/minutes-entries"),
              expect((200, 404), anonymous=401)),
    RouteCase("POST", "/v1/meetings/{meeting_id}/minutes-entries",
              _meeting("/minutes-entries", json={"kind": "comment", "speaker": SPEAKER, "text_ja": "意見"}),
              manage(201, 404)),
    RouteCase("PATCH", "/v1/minutes-entries/{entry_id}", _entry(json={"text_ja": "訂正"}, headers=dict(V1)),
              manage(200, 404)),
    RouteCase("DELETE", "/v1/minutes-entries/{entry_id}", _entry(headers=dict(V1)), manage(204, 404)),
    RouteCase("GET", "/v1/meetings/{meeting_id}/attendance", _meeting("/attendance"),
              expect((200, 404), anonymous=401)),
    RouteCase("PUT", "/v1/meetings/{meeting_id}/attendance",
              _meeting("/attendance", json={"groups": [{"inside_ward": True, "agency_type": "individual",
                                                        "count": 3}]}, headers=dict(V1)),
              manage(200, 404)),
    RouteCase("GET", "/v1/public/meetings/{meeting_id}/discussion", _public, expect((200, 404))),
]


def _item(status: str = "held", **kw: Any):  # type: ignore[no-untyped-def]
    async def build(ctx: Any, in_scope: bool) -> Call:
        maker = async_sessionmaker(bind=ctx.db.bind, expire_on_commit=False, join_transaction_mode="rollback_only")
        async with maker() as session:
            records = await make_meeting(session, ctx.world.agencies["mota"], status=status)
        return Call(path=f"/v1/agenda-items/{records.item_ids[0] if in_scope else uuid.uuid4()}/captured-figures",
                    **kw)
    return build


CASES += [
    # Capturing asks /v1/stats as the caller: the admin manages meetings but reads no statistics.
    RouteCase("POST", "/v1/agenda-items/{item_id}/captured-figures",
              _item(json={"query": {"statistic": "supported-persons", "fiscal_year_from": 2010}}),
              expect(403, anonymous=401, secretariat=(201, 404), admin=(403, 404))),
    RouteCase("GET", "/v1/agenda-items/{item_id}/captured-figures", _item(), expect((200, 404), anonymous=401)),
]
