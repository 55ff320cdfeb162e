"""Meeting records for the tests and the authorization matrix, written straight to the database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AgendaItem, Council, Meeting, NoticeSubscription, Subcommittee

JST = timezone(timedelta(hours=9))
JULY_21 = datetime(2010, 7, 21, 14, 0, tzinfo=JST)


@dataclass
class MeetingRecords:
    council_id: uuid.UUID
    subcommittee_id: uuid.UUID
    meeting_id: uuid.UUID
    item_ids: list[uuid.UUID]
    subscription_id: uuid.UUID


async def make_meeting(db: AsyncSession, agency_id: uuid.UUID, *, items: int = 2, status: str = "scheduled",
                       starts_at: datetime = JULY_21) -> MeetingRecords:
    tag = uuid.uuid4().hex[:8]
    council = Council(code=f"c-{tag}", name_ja="協議会")
    db.add(council)
    await db.flush()
    sub = Subcommittee(council_id=council.id, code=f"s-{tag}", name_ja="地域移行部会",
                       default_venue_ja="キャロットタワー（三軒茶屋）")
    db.add(sub)
    await db.flush()
    meeting = Meeting(subcommittee_id=sub.id, fiscal_year=2010, sequence=2, title_ja="第2回", starts_at=starts_at,
                      ends_at=starts_at + timedelta(hours=2), venue_ja="キャロットタワー", status=status,
                      attendance_count=48 if status in ("held", "minutes_published") else None)
    db.add(meeting)
    await db.flush()
    rows = [AgendaItem(meeting_id=meeting.id, position=i, kind="presentation", title_ja=f"議題{i}")
            for i in range(1, items + 1)]
    db.add_all(rows)
    subscription = NoticeSubscription(subcommittee_id=sub.id, agency_id=agency_id)
    db.add(subscription)
    await db.flush()
    return MeetingRecords(council.id, sub.id, meeting.id, [r.id for r in rows], subscription.id)
