"""Demo working patterns and leave (issue 18, item 1), from api.demo.newsletter.WEEKDAYS and LEAVE."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import WorkLeave, WorkPattern
from api.demo import newsletter as nl
from api.demo.load import DemoRefs
from api.domain.schedules import MAX_VISITS_PER_DAY


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    for username, branches in nl.WEEKDAYS.items():
        for branch_code, weekdays in branches.items():
            session.add(WorkPattern(worker_id=refs.users[username], branch_code=branch_code, weekdays=list(weekdays),
                                    valid_from=nl.SCHEDULE_FROM, visits_per_day=MAX_VISITS_PER_DAY))
    for username, leaves in nl.LEAVE.items():
        for first, last, note in leaves:
            session.add(WorkLeave(worker_id=refs.users[username], first_day=first, last_day=last, note=note))
    await session.flush()
