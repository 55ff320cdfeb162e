"""Queries for councils, meetings, agenda items and notices. Services call these; no commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Agency,
    AgendaItem,
    Council,
    Meeting,
    MeetingAgency,
    NoticeDelivery,
    NoticeSubscription,
    Subcommittee,
)

_AGENDA_UNIQUE = "uq_agenda_item_meeting_id_position"


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


async def agenda_item(session: AsyncSession, item_id: uuid.UUID) -> AgendaItem | None:
    stmt = select(AgendaItem).where(AgendaItem.id == item_id).execution_options(populate_existing=True)
    result: AgendaItem | None = await session.scalar(stmt)
    return result


async def next_position(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    current = await session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id))
    return int(current or 0) + 1


async def write_positions(session: AsyncSession, items: Sequence[AgendaItem]) -> None:
    """Give `items` the positions 1..n in the order given. The unique (meeting, position)
    constraint is deferred while rows swap places and checked again before returning."""
    await session.execute(text(f"SET CONSTRAINTS {_AGENDA_UNIQUE} DEFERRED"))
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
    await session.flush()
    await session.execute(text(f"SET CONSTRAINTS {_AGENDA_UNIQUE} IMMEDIATE"))


async def represented_agencies(session: AsyncSession, meeting_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(MeetingAgency.agency_id).where(MeetingAgency.meeting_id == meeting_id).order_by(
        MeetingAgency.agency_id)
    return list((await session.scalars(stmt)).all())


async def replace_represented_agencies(session: AsyncSession, meeting_id: uuid.UUID,
                                       agency_ids: Iterable[uuid.UUID]) -> None:
    await session.execute(delete(MeetingAgency).where(MeetingAgency.meeting_id == meeting_id))
    session.add_all(MeetingAgency(meeting_id=meeting_id, agency_id=a) for a in set(agency_ids))


async def known_agencies(session: AsyncSession, agency_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = set(agency_ids)
    if not wanted:
        return set()
    return set((await session.scalars(select(Agency.id).where(Agency.id.in_(wanted)))).all())


async def next_sequence(session: AsyncSession, subcommittee_id: uuid.UUID, fiscal_year: int) -> int:
    current = await session.scalar(select(func.max(Meeting.sequence)).where(
        Meeting.subcommittee_id == subcommittee_id, Meeting.fiscal_year == fiscal_year))
    return int(current or 0) + 1


async def sequence_taken(session: AsyncSession, subcommittee_id: uuid.UUID, fiscal_year: int, sequence: int,
                         *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(Meeting.id).where(Meeting.subcommittee_id == subcommittee_id, Meeting.fiscal_year == fiscal_year,
                                    Meeting.sequence == sequence)
    if other_than is not None:
        stmt = stmt.where(Meeting.id != other_than)
    return await session.scalar(stmt.limit(1)) is not None


def meetings_stmt(*, subcommittee_id: uuid.UUID | None, fiscal_year: int | None, status: str | None,
                  updated_since: datetime | None) -> Select[Any]:
    stmt = select(Meeting)
    if subcommittee_id is not None:
        stmt = stmt.where(Meeting.subcommittee_id == subcommittee_id)
    if fiscal_year is not None:
        stmt = stmt.where(Meeting.fiscal_year == fiscal_year)
    if status is not None:
        stmt = stmt.where(Meeting.status == status)
    if updated_since is not None:
        stmt = stmt.where(Meeting.updated_at > updated_since)
    return stmt


def public_meetings_stmt() -> Select[Any]:
    return select(Meeting)


async def subcommittees_by_id(session: AsyncSession) -> dict[uuid.UUID, Subcommittee]:
    return {s.id: s for s in (await session.scalars(select(Subcommittee))).all()}


async def councils(session: AsyncSession) -> list[tuple[Council, list[Subcommittee]]]:
    found = (await session.scalars(select(Council).order_by(Council.code))).all()
    subs = (await session.scalars(select(Subcommittee).order_by(Subcommittee.code))).all()
    return [(c, [s for s in subs if s.council_id == c.id]) for c in found]


async def subcommittee(session: AsyncSession, subcommittee_id: uuid.UUID) -> Subcommittee | None:
    result: Subcommittee | None = await session.get(Subcommittee, subcommittee_id)
    return result


async def council(session: AsyncSession, council_id: uuid.UUID) -> Council | None:
    result: Council | None = await session.get(Council, council_id)
    return result


async def subscriptions(session: AsyncSession, subcommittee_id: uuid.UUID | None
                        ) -> list[tuple[NoticeSubscription, str]]:
    stmt = (select(NoticeSubscription, Agency.name_ja).join(Agency, Agency.id == NoticeSubscription.agency_id)
            .order_by(NoticeSubscription.subcommittee_id, Agency.code))
    if subcommittee_id is not None:
        stmt = stmt.where(NoticeSubscription.subcommittee_id == subcommittee_id)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def subscription(session: AsyncSession, subscription_id: uuid.UUID) -> NoticeSubscription | None:
    result: NoticeSubscription | None = await session.get(NoticeSubscription, subscription_id)
    return result


async def subscription_exists(session: AsyncSession, subcommittee_id: uuid.UUID, agency_id: uuid.UUID) -> bool:
    stmt = select(NoticeSubscription.id).where(NoticeSubscription.subcommittee_id == subcommittee_id,
                                               NoticeSubscription.agency_id == agency_id)
    return await session.scalar(stmt) is not None


async def subscribed_active_agencies(session: AsyncSession, subcommittee_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = (select(NoticeSubscription.agency_id).join(Agency, Agency.id == NoticeSubscription.agency_id)
            .where(NoticeSubscription.subcommittee_id == subcommittee_id, Agency.active.is_(True))
            .order_by(Agency.code))
    return list((await session.scalars(stmt)).all())


async def deliveries(session: AsyncSession, meeting_id: uuid.UUID) -> list[tuple[NoticeDelivery, str]]:
    stmt = (select(NoticeDelivery, Agency.name_ja).join(Agency, Agency.id == NoticeDelivery.agency_id)
            .where(NoticeDelivery.meeting_id == meeting_id).order_by(NoticeDelivery.sent_at, Agency.code))
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
