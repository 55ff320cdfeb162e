"""Demo meetings: the council, its community-transition subcommittee and the FY2010 meetings of
the newsletter (api.demo.newsletter.MEETINGS): 21 July 2010 held and published with its agenda
(closed item included), the November, January and March meetings scheduled."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AgendaItem, Council, Meeting, MeetingAgency, NoticeDelivery, NoticeSubscription, Subcommittee
from api.demo import newsletter as nl
from api.domain.meeting_minutes import MinutesItem, compose_minutes
from api.domain.meeting_transitions import MeetingStatus

# Agencies that asked for the notices (開催のお知らせ); the newsletter invites others to ask.
NOTICE_SUBSCRIBERS = ("mota", "kinuta_centre", "hasic", "komorebi", "hanamizuki_hospital", "soyokaze_consult",
                      "tokyo_hogo")


def _presenters(item: nl.AgendaItem, agencies: dict[str, uuid.UUID]) -> list[dict[str, Any]]:
    return [{"name_ja": p.name_ja, "name_en": p.name_en, "title_ja": p.title_ja,
             "agency_id": str(agencies[p.agency_code])} for p in item.presenters]


def _figures(item: nl.AgendaItem) -> list[dict[str, Any]] | None:
    if not item.figures:
        return None
    return [{"key": f.key, "label_ja": f.label_ja, "label_en": f.label_en, "value": f.value,
             "value_max": f.value_max, "unit": f.unit, "approximate": f.approximate,
             "branch_code": f.branch_code, "since_fiscal_year": f.since_fiscal_year} for f in item.figures]


async def seed(session: AsyncSession, refs: Any) -> None:
    agencies: dict[str, uuid.UUID] = refs.agencies
    c = nl.COUNCIL
    council = Council(code=c.code, name_ja=c.name_ja, name_en=c.name_en,
                      secretariat_agency_id=agencies[c.secretariat_agency_code])
    session.add(council)
    await session.flush()
    sub = Subcommittee(council_id=council.id, code=c.subcommittee_code, name_ja=c.subcommittee_name_ja,
                       name_en=c.subcommittee_name_en, default_venue_ja=c.default_venue_ja,
                       default_venue_en=c.default_venue_en)
    session.add(sub)
    await session.flush()
    subscribers = [agencies[code] for code in NOTICE_SUBSCRIBERS]
    session.add_all(NoticeSubscription(subcommittee_id=sub.id, agency_id=a) for a in subscribers)
    meetings: dict[str, uuid.UUID] = {}
    for m in nl.MEETINGS:
        meeting = Meeting(
            subcommittee_id=sub.id, fiscal_year=m.fiscal_year, sequence=m.number, title_ja=m.title_ja,
            title_en=m.title_en, starts_at=m.starts_at, ends_at=m.ends_at, venue_ja=m.venue_ja, venue_en=m.venue_en,
            room_ja=m.room_ja, room_en=m.room_en, theme_ja=m.theme_ja, theme_en=m.theme_en,
            subtitle_ja=m.subtitle_ja, status=m.status, attendance_count=m.attendee_count,
        )
        session.add(meeting)
        await session.flush()
        meetings[m.code] = meeting.id
        items = [
            AgendaItem(meeting_id=meeting.id, position=i, outline_number=str(i), kind=a.kind, title_ja=a.title_ja,
                       title_en=a.title_en, presenters=_presenters(a, agencies), planned_minutes=a.planned_minutes,
                       public=a.public, summary_ja=a.summary_ja, figures=_figures(a),
                       figures_captured_at=m.starts_at if a.figures else None)
            for i, a in enumerate(sorted(m.agenda, key=lambda a: a.position), start=1)
        ]
        session.add_all(items)
        if m.status == MeetingStatus.MINUTES_PUBLISHED.value:
            assert m.attendee_count is not None
            # Notices went out three weeks before; minutes were published a month after.
            meeting.notice_sent_at = m.starts_at - timedelta(days=21)
            meeting.held_at = m.ends_at
            meeting.published_at = m.ends_at + timedelta(days=30)
            send_id = uuid.uuid4()
            session.add_all(NoticeDelivery(send_id=send_id, meeting_id=meeting.id, agency_id=a,
                                           sent_at=meeting.notice_sent_at) for a in subscribers)
            represented = {p.agency_code for a in m.agenda for p in a.presenters} | {"tokyo_hogo"}
            session.add_all(MeetingAgency(meeting_id=meeting.id, agency_id=agencies[code]) for code in represented)
            meeting.minutes = compose_minutes(m.attendee_count, [
                MinutesItem(position=i.position, outline_number=i.outline_number, kind=i.kind, title_ja=i.title_ja,
                            title_en=i.title_en, presenters=i.presenters, summary_ja=i.summary_ja, summary_en=None,
                            figures=i.figures, public=i.public)
                for i in items
            ])
        await session.flush()
    refs.extra["meetings"] = meetings
