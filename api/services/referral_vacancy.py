"""Issue 18, item 10: a referral to a listed service that has no free place.

The worker learns it when drafting, not weeks later from the receiving agency: a referral to a
service whose directory capacity shows no place available answers 409 with the service's live
vacancy, unless the caller confirms (`confirm_no_vacancy: true`, e.g. to join the waiting list).
Successful answers about a referral to a service carry the same live vacancy."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Service, ServiceCapacity
from api.domain.resource_directory import ServiceStatus
from api.messages import msg
from api.problems import Problem
from api.schemas.referrals import ServiceVacancy


async def live_vacancy(session: AsyncSession, service_id: uuid.UUID | None) -> ServiceVacancy | None:
    """The service's vacancy as the directory shows it now; None without a service."""
    if service_id is None:
        return None
    row = (await session.execute(
        select(Service.status, ServiceCapacity).outerjoin(ServiceCapacity, ServiceCapacity.service_id == Service.id)
        .where(Service.id == service_id))).one_or_none()
    if row is None:
        return None
    status, capacity = row
    if capacity is None:
        return ServiceVacancy(service_id=service_id, known=False, has_vacancy=None, unit=None, maximum=None,
                              available=None, waitlist=None, updated_at=None)
    return ServiceVacancy(service_id=service_id, known=True,
                          has_vacancy=status == ServiceStatus.ACTIVE and capacity.available > 0,
                          unit=capacity.unit, maximum=capacity.maximum, available=capacity.available,
                          waitlist=capacity.waitlist, updated_at=capacity.updated_at)


async def check_vacancy(session: AsyncSession, service_id: uuid.UUID | None, confirmed: bool) -> None:
    """409 naming the vacancy when the directory says the service has no free place and the caller
    has not confirmed. A service that publishes no capacity is not refused: nothing is known."""
    vacancy = await live_vacancy(session, service_id)
    if vacancy is None or not vacancy.known or vacancy.has_vacancy or confirmed:
        return
    raise Problem("conflict", msg("referral.no_vacancy", available=vacancy.available, waitlist=vacancy.waitlist),
                  vacancy=vacancy.model_dump(mode="json"))
