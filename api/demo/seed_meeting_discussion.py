"""The July meeting's floor discussion, closing remarks and attendance breakdown (issue 18, item 9)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AgendaItem, MeetingAttendanceGroup, MinutesEntry
from api.demo import newsletter as nl
from api.demo.load import DemoRefs


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    meeting_id = refs.extra["meetings"]["fy2010-02"]
    items = dict((await session.execute(select(AgendaItem.position, AgendaItem.id).where(
        AgendaItem.meeting_id == meeting_id))).all())
    ids: dict[int, uuid.UUID] = {}
    for s in sorted(nl.JULY_DISCUSSION, key=lambda s: s.position):
        ids[s.position] = uuid.uuid4()
        session.add(MinutesEntry(
            id=ids[s.position], meeting_id=meeting_id, position=s.position, kind=s.kind,
            agenda_item_id=items[s.agenda_position] if s.agenda_position else None,
            answers_id=ids[s.answers] if s.answers else None, text_ja=s.text_ja,
            speaker={"label_ja": s.label_ja, "affiliation_ja": s.affiliation_ja, "from_floor": s.from_floor,
                     "agency_id": str(refs.agencies[s.agency_code]) if s.agency_code else None}))
        await session.flush()
    session.add_all(MeetingAttendanceGroup(meeting_id=meeting_id, inside_ward=inside, agency_type=kind, count=n)
                    for inside, kind, n in nl.JULY_ATTENDANCE)
    await session.flush()
