"""What anyone may read about meetings, as JSON and as an RFC 5545 calendar feed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Meeting,
    Subcommittee,
)
from api.db.unit import RequestUnit
from api.domain.fiscal import TOKYO
from api.domain.meeting_transitions import MeetingStatus
from api.pagination import PageParams, cut, keyset, typed_cursor

UID_DOMAIN = "setagaya-iko.example"
FEED_LIMIT = 1000
_COLS = Meeting.__table__.c


async def list_page(unit: RequestUnit, page: PageParams) -> tuple[list[tuple[Meeting, Subcommittee]], str | None]:
    stmt = _public_meetings_stmt()
    if page.updated_since is not None:
        stmt = stmt.where(Meeting.updated_at > page.updated_since)
    page = typed_cursor(page, [datetime.fromisoformat, uuid.UUID])
    found = (await unit.session.scalars(keyset(stmt, [_COLS.starts_at, _COLS.id], page))).all()
    meetings, next_cursor = cut(found, page, lambda m: [m.starts_at.isoformat(), str(m.id)])
    subs = await _subcommittees_by_id(unit.session)
    return [(m, subs[m.subcommittee_id]) for m in meetings], next_cursor


def meeting_uid(meeting_id: uuid.UUID) -> str:
    """Stable for the life of the meeting, so a calendar app updates the event, never duplicates it."""
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


async def calendar(unit: RequestUnit, *, now: datetime | None = None) -> bytes:
    found = (await unit.session.scalars(
        _public_meetings_stmt().order_by(Meeting.starts_at, Meeting.id).limit(FEED_LIMIT))).all()
    subs = await _subcommittees_by_id(unit.session)
    cal = Calendar()
    cal.add("prodid", "-//Setagaya community-transition subcommittee//meetings//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "世田谷区地域自立支援協議会 部会")
    cal.add("x-wr-timezone", "Asia/Tokyo")
    stamp = now or datetime.now(UTC)
    for meeting in found:
        subcommittee = subs[meeting.subcommittee_id]
        event = Event()
        event.add("uid", meeting_uid(meeting.id))
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at.astimezone(TOKYO))
        event.add("dtend", meeting.ends_at.astimezone(TOKYO))
        event.add("summary", meeting.title_ja)
        event.add("location", " ".join(p for p in (meeting.venue_ja, meeting.room_ja) if p))
        description = [subcommittee.name_ja]
        description += [p for p in (meeting.theme_ja, meeting.subtitle_ja) if p]
        event.add("description", "\n".join(description))
        event.add("last-modified", meeting.updated_at.astimezone(UTC))
        # SEQUENCE grows with every change, so subscribed calendars take the new time or venue.
        event.add("sequence", meeting.version)
        cancelled = meeting.status == MeetingStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _public_meetings_stmt() -> Select[Any]:
    return select(Meeting)


async def _subcommittees_by_id(session: AsyncSession) -> dict[uuid.UUID, Subcommittee]:
    return {s.id: s for s in (await session.scalars(select(Subcommittee))).all()}
