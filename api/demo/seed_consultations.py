"""Demo advice requests and staff activities (issue 18, item 2), from api/demo/newsletter.py: two
advice requests in FY2010 (the gap the newsletter names), the contracted corporation's monthly
支援者支援 talk with each mental-care worker, and phone consultations on non-working days."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AdviceRequest, StaffActivity
from api.demo import newsletter as nl
from api.demo.load import DemoRefs


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    users, clients = refs.users, refs.extra["clients"]
    agency_of = {u.username: refs.agencies[u.agency_code] for u in nl.USERS}
    for r in nl.ADVICE_REQUESTS:
        session.add(AdviceRequest(
            asker_id=users[r.asker], asker_agency_id=agency_of[r.asker], specialist_id=users[r.specialist],
            specialist_agency_id=agency_of[r.specialist],
            client_id=clients[r.client_ref] if r.client_ref else None, subject=r.subject, question=r.question,
            client_summary=r.client_summary, status="answered" if r.answered_at else "open", asked_at=r.asked_at,
            answer=r.answer, answered_at=r.answered_at))
    for a in nl.STAFF_ACTIVITIES:
        session.add(StaffActivity(performer_id=users[a.performer], agency_id=agency_of[a.performer], kind=a.kind,
                                  occurred_at=a.occurred_at, duration_minutes=a.duration_minutes,
                                  off_hours=a.off_hours, counterpart=a.counterpart, note=a.note))
    await session.flush()
