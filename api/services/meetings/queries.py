"""The queries the meeting use-case modules share: a meeting (locked for a change), its agenda, a
subcommittee, which agencies exist. A query one module needs lives in that module. No commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Agency, AgendaItem, Meeting, Subcommittee


async def meeting(session: AsyncSession, meeting_id: uuid.UUID, *, lock: bool = False) -> Meeting | None:
    """The meeting; `lock` takes its row lock (SELECT … FOR UPDATE), which every change to the
    meeting or its agenda takes first, so agenda positions are rewritten by one request at a time."""
    stmt = select(Meeting).where(Meeting.id == meeting_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    result: Meeting | None = await session.scalar(stmt)
    return result


async def agenda(session: AsyncSession, meeting_id: uuid.UUID) -> list[AgendaItem]:
    stmt = (select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
            .execution_options(populate_existing=True))
    return list((await session.scalars(stmt)).all())


async def known_agencies(session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = set(agency_ids)
    if not wanted:
        return set()
    return set((await session.scalars(select(Agency.id).where(Agency.id.in_(wanted)))).all())


async def subcommittee(session: AsyncSession, subcommittee_id: uuid.UUID) -> Subcommittee | None:
    result: Subcommittee | None = await session.get(Subcommittee, subcommittee_id)
    return result


async def agenda_item(session: AsyncSession, item_id: uuid.UUID) -> AgendaItem | None:
    stmt = select(AgendaItem).where(AgendaItem.id == item_id).execution_options(populate_existing=True)
    result: AgendaItem | None = await session.scalar(stmt)
    return result
