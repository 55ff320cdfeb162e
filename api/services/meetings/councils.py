"""Use cases for councils, their subcommittees, and the agencies subscribed to notices."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Agency,
    Council,
    NoticeDelivery,
    NoticeSubscription,
    Subcommittee,
)
from api.db.unit import RequestUnit
from api.messages import msg
from api.problems import Problem, id_taken, invalid_field, not_found
from api.schemas.meetings import CouncilCreate, NoticeSubscriptionCreate, SubcommitteeCreate
from api.services.meetings import queries


def _unknown(field: str, what: str) -> Problem:
    message = msg("field.unknown_reference", what=msg(what))
    return invalid_field(field, message, "unknown")


async def list_councils(unit: RequestUnit) -> list[tuple[Council, list[Subcommittee]]]:
    return await _councils(unit.session)


async def create_council(unit: RequestUnit, data: CouncilCreate) -> Council:
    if data.secretariat_agency_id is not None and not await queries.known_agencies(
            unit.session, [data.secretariat_agency_id]):
        raise _unknown("secretariat_agency_id", "what.agency")
    if data.id is not None and await _council(unit.session, data.id) is not None:
        raise id_taken()
    council = Council(**data.model_dump(exclude={"id"}), id=data.id or uuid.uuid4())
    unit.session.add(council)
    await unit.session.flush()
    unit.audit("create", "council", resource_id=council.id)
    return council


async def create_subcommittee(unit: RequestUnit, council_id: uuid.UUID, data: SubcommitteeCreate) -> Subcommittee:
    if await _council(unit.session, council_id) is None:
        raise not_found("what.council")
    if data.id is not None and await queries.subcommittee(unit.session, data.id) is not None:
        raise id_taken()
    sub = Subcommittee(**data.model_dump(exclude={"id"}), id=data.id or uuid.uuid4(), council_id=council_id)
    unit.session.add(sub)
    await unit.session.flush()
    unit.audit("create", "subcommittee", resource_id=sub.id)
    return sub


async def list_subscriptions(unit: RequestUnit, subcommittee_id: uuid.UUID | None
                             ) -> list[tuple[NoticeSubscription, str]]:
    return await _subscriptions(unit.session, subcommittee_id)


async def subscribe(unit: RequestUnit, data: NoticeSubscriptionCreate) -> tuple[NoticeSubscription, str]:
    if await queries.subcommittee(unit.session, data.subcommittee_id) is None:
        raise _unknown("subcommittee_id", "what.subcommittee")
    if not await queries.known_agencies(unit.session, [data.agency_id]):
        raise _unknown("agency_id", "what.agency")
    if await _subscription_exists(unit.session, data.subcommittee_id, data.agency_id):
        raise Problem("conflict", msg("council.notice_exists"))
    row = NoticeSubscription(id=data.id or uuid.uuid4(), subcommittee_id=data.subcommittee_id,
                             agency_id=data.agency_id)
    unit.session.add(row)
    await unit.session.flush()
    await unit.session.refresh(row, ["created_at"])
    unit.audit("create", "notice_subscription", resource_id=row.id,
               detail={"subcommittee_id": str(data.subcommittee_id), "agency_id": str(data.agency_id)})
    name = next(n for s, n in await _subscriptions(unit.session, data.subcommittee_id) if s.id == row.id)
    return row, name


async def unsubscribe(unit: RequestUnit, subscription_id: uuid.UUID) -> None:
    row = await _subscription(unit.session, subscription_id)
    if row is None:
        raise not_found("what.notice_subscription")
    await unit.session.delete(row)
    await unit.session.flush()
    unit.audit("delete", "notice_subscription", resource_id=subscription_id)


async def deliveries(unit: RequestUnit, meeting_id: uuid.UUID) -> list[tuple[NoticeDelivery, str]]:
    if await queries.meeting(unit.session, meeting_id) is None:
        raise not_found("what.meeting")
    return await _deliveries(unit.session, meeting_id)


async def _councils(session: AsyncSession) -> list[tuple[Council, list[Subcommittee]]]:
    found = (await session.scalars(select(Council).order_by(Council.code))).all()
    subs = (await session.scalars(select(Subcommittee).order_by(Subcommittee.code))).all()
    return [(c, [s for s in subs if s.council_id == c.id]) for c in found]


async def _council(session: AsyncSession, council_id: uuid.UUID) -> Council | None:
    result: Council | None = await session.get(Council, council_id)
    return result


async def _subscriptions(session: AsyncSession, subcommittee_id: uuid.UUID | None
                         ) -> list[tuple[NoticeSubscription, str]]:
    stmt = (select(NoticeSubscription, Agency.name_ja).join(Agency, Agency.id == NoticeSubscription.agency_id)
            .order_by(NoticeSubscription.subcommittee_id, Agency.code))
    if subcommittee_id is not None:
        stmt = stmt.where(NoticeSubscription.subcommittee_id == subcommittee_id)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def _subscription(session: AsyncSession, subscription_id: uuid.UUID) -> NoticeSubscription | None:
    result: NoticeSubscription | None = await session.get(NoticeSubscription, subscription_id)
    return result


async def _subscription_exists(session: AsyncSession, subcommittee_id: uuid.UUID, agency_id: uuid.UUID) -> bool:
    stmt = select(NoticeSubscription.id).where(NoticeSubscription.subcommittee_id == subcommittee_id,
                                               NoticeSubscription.agency_id == agency_id)
    return await session.scalar(stmt) is not None


async def _deliveries(session: AsyncSession, meeting_id: uuid.UUID) -> list[tuple[NoticeDelivery, str]]:
    stmt = (select(NoticeDelivery, Agency.name_ja).join(Agency, Agency.id == NoticeDelivery.agency_id)
            .where(NoticeDelivery.meeting_id == meeting_id).order_by(NoticeDelivery.sent_at, Agency.code))
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
