"""Advice requests from a caseworker to a specialist, and staff work tied to no client (issue 18, item 2).

The specialist asked sees the request, its client's id and the summary the asker wrote; asking does
not put the specialist on the care team nor open the client record (api.db.scopes.clients_visible_to
is unchanged). Both sides are told: a webhook event to the other side's agency and an inbox each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import AdviceRequest, StaffActivity, UserAccount
from api.db.scopes import advice_requests_visible_to, staff_activities_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, On, may_be_asked_for_advice
from api.domain.fiscal import TOKYO
from api.domain.principal import Principal
from api.messages import msg
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import Problem, id_taken, invalid_field, refuse_nulls
from api.schemas.consultations import (
    AdviceAnswer,
    AdviceRequestCreate,
    AdviceRequestRead,
    StaffActivityCreate,
    StaffActivityUpdate,
)
from api.services import clients as client_service
from api.services.events import emit
from api.services.guard import invisible, require


def advice_read(req: AdviceRequest) -> AdviceRequestRead:
    minutes = None
    if req.answered_at is not None:
        minutes = int((req.answered_at - req.asked_at).total_seconds() // 60)
    return AdviceRequestRead.model_validate({**{c: getattr(req, c) for c in AdviceRequestRead.model_fields
                                                if c != "turnaround_minutes"}, "turnaround_minutes": minutes})


def _audit_read(unit: RequestUnit, req: AdviceRequest, subject: str | None = None) -> None:
    unit.audit("read", "advice_request", resource_id=req.id, client_id=req.client_id, subject=subject)


async def ask(unit: RequestUnit, principal: Principal, body: AdviceRequestCreate) -> AdviceRequest:
    require(unit, principal, Action.advice_ask, resource_type="advice_request")
    session = unit.session
    specialist = await session.get(UserAccount, body.specialist_id)
    if specialist is None or not specialist.active or not may_be_asked_for_advice(specialist.role):
        problem = msg("advice.not_specialist")
        raise invalid_field("specialist_id", problem, "unknown")
    if body.client_id is not None:
        # Only a client the asker sees; an unseen one is the same audited 404 as everywhere.
        await client_service.get_visible(unit, principal, body.client_id)
    if body.id is not None and await session.get(AdviceRequest, body.id) is not None:
        raise id_taken()
    req = AdviceRequest(id=body.id or uuid.uuid4(), asker_id=principal.id, asker_agency_id=principal.agency_id,
                        specialist_id=specialist.id, specialist_agency_id=specialist.agency_id,
                        client_id=body.client_id, subject=body.subject, question=body.question,
                        client_summary=body.client_summary, status="open", asked_at=datetime.now(UTC))
    session.add(req)
    await session.flush()
    unit.audit("create", "advice_request", resource_id=req.id, client_id=req.client_id,
               detail={"specialist_id": str(specialist.id)})
    await emit(unit, "advice_request.created", "advice_request", req.id, [specialist.agency_id])
    return req


async def _visible(unit: RequestUnit, principal: Principal, request_id: uuid.UUID, *,
                   for_update: bool = False) -> AdviceRequest:
    stmt = select(AdviceRequest).where(AdviceRequest.id == request_id, advice_requests_visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update()
    req = await unit.session.scalar(stmt)
    if req is None:
        raise await invisible(unit, "advice_request", request_id)
    return req


async def read(unit: RequestUnit, principal: Principal, request_id: uuid.UUID) -> AdviceRequest:
    require(unit, principal, Action.advice_read, resource_type="advice_request", resource_id=request_id)
    req = await _visible(unit, principal, request_id)
    _audit_read(unit, req)
    return req


async def answer(unit: RequestUnit, principal: Principal, request_id: uuid.UUID, body: AdviceAnswer,
                 expected_version: int) -> AdviceRequest:
    require(unit, principal, Action.advice_answer, resource_type="advice_request", resource_id=request_id)
    req = await _visible(unit, principal, request_id, for_update=True)
    require(unit, principal, Action.advice_answer, On(user_id=req.specialist_id), resource_type="advice_request",
            resource_id=req.id, client_id=req.client_id)
    check_version(req.version, expected_version)
    if req.status != "open":
        raise Problem("conflict", msg("advice.not_open"))
    req.answer = body.answer
    req.answered_at = datetime.now(UTC)
    req.status = "answered"
    await unit.session.flush()
    unit.audit("update", "advice_request", resource_id=req.id, client_id=req.client_id, subject="answer")
    await emit(unit, "advice_request.answered", "advice_request", req.id, [req.asker_agency_id])
    return req


async def inbox(unit: RequestUnit, principal: Principal, page: PageParams, *, box: str,
                status: str | None) -> tuple[list[AdviceRequest], str | None]:
    """`incoming`: requests asked of the caller; `outgoing`: the ones it asked. Newest first."""
    require(unit, principal, Action.advice_read, resource_type="advice_request")
    mine = AdviceRequest.specialist_id == principal.id if box == "incoming" else AdviceRequest.asker_id == principal.id
    filters: list[Any] = [mine, advice_requests_visible_to(principal)]
    if status is not None:
        filters.append(AdviceRequest.status == status)
    stmt = keyset(select(AdviceRequest).where(*filters), [AdviceRequest.asked_at, AdviceRequest.id],
                  typed_cursor(page, [datetime.fromisoformat, uuid.UUID]), descending=True)
    rows = (await unit.session.scalars(stmt)).all()
    items, cursor = cut(rows, page, lambda r: [r.asked_at.isoformat(), str(r.id)])
    for r in items:
        _audit_read(unit, r, "list")
    return items, cursor


# ---- staff activities

async def record_staff_activity(unit: RequestUnit, principal: Principal, body: StaffActivityCreate) -> StaffActivity:
    require(unit, principal, Action.staff_activity_record, resource_type="staff_activity")
    if body.id is not None and await unit.session.get(StaffActivity, body.id) is not None:
        raise id_taken()
    activity = StaffActivity(id=body.id or uuid.uuid4(), performer_id=principal.id, agency_id=principal.agency_id,
                             **body.model_dump(exclude={"id"}))
    unit.session.add(activity)
    await unit.session.flush()
    unit.audit("create", "staff_activity", resource_id=activity.id)
    return activity


async def _visible_activity(unit: RequestUnit, principal: Principal, activity_id: uuid.UUID, *,
                            for_update: bool = False) -> StaffActivity:
    stmt = select(StaffActivity).where(StaffActivity.id == activity_id, staff_activities_visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update()
    activity = await unit.session.scalar(stmt)
    if activity is None:
        raise await invisible(unit, "staff_activity", activity_id)
    return activity


async def read_staff_activity(unit: RequestUnit, principal: Principal, activity_id: uuid.UUID) -> StaffActivity:
    require(unit, principal, Action.staff_activity_record, resource_type="staff_activity", resource_id=activity_id)
    return await _visible_activity(unit, principal, activity_id)


async def update_staff_activity(unit: RequestUnit, principal: Principal, activity_id: uuid.UUID,
                                body: StaffActivityUpdate, expected_version: int) -> StaffActivity:
    require(unit, principal, Action.staff_activity_record, resource_type="staff_activity", resource_id=activity_id)
    activity = await _visible_activity(unit, principal, activity_id, for_update=True)
    require(unit, principal, Action.staff_activity_record, On(user_id=activity.performer_id),
            resource_type="staff_activity", resource_id=activity.id)
    check_version(activity.version, expected_version)
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("kind", "occurred_at", "duration_minutes", "off_hours"))
    for field, value in changes.items():
        setattr(activity, field, value)
    await unit.session.flush()
    unit.audit("update", "staff_activity", resource_id=activity.id, detail={"fields": sorted(changes)})
    return activity


async def list_staff_activities(unit: RequestUnit, principal: Principal, page: PageParams, *,
                                performer_id: uuid.UUID | None, date_from: date | None, date_to: date | None,
                                kind: str | None) -> tuple[list[StaffActivity], str | None]:
    require(unit, principal, Action.staff_activity_record, resource_type="staff_activity")
    filters: list[Any] = [staff_activities_visible_to(principal)]
    if performer_id is not None:
        filters.append(StaffActivity.performer_id == performer_id)
    if date_from is not None:
        filters.append(StaffActivity.occurred_at >= datetime.combine(date_from, time.min, TOKYO))
    if date_to is not None:
        filters.append(StaffActivity.occurred_at <= datetime.combine(date_to, time.max, TOKYO))
    if kind is not None:
        filters.append(StaffActivity.kind == kind)
    stmt = keyset(select(StaffActivity).where(*filters), [StaffActivity.occurred_at, StaffActivity.id],
                  typed_cursor(page, [datetime.fromisoformat, uuid.UUID]), descending=True)
    rows = (await unit.session.scalars(stmt)).all()
    return cut(rows, page, lambda r: [r.occurred_at.isoformat(), str(r.id)])


async def staff_work(session: AsyncSession, first: date, last: date) -> dict[uuid.UUID, tuple[int, int]]:
    """Staff activities and their minutes per worker in [first, last] (Tokyo days), for the workload statistics."""
    rows: Sequence[Any] = (await session.execute(
        select(StaffActivity.performer_id, func.count().label("n"),
               func.sum(StaffActivity.duration_minutes).label("minutes"))
        .where(StaffActivity.occurred_at >= datetime.combine(first, time.min, TOKYO),
               StaffActivity.occurred_at <= datetime.combine(last, time.max, TOKYO))
        .group_by(StaffActivity.performer_id))).all()
    return {r.performer_id: (int(r.n), int(r.minutes)) for r in rows}
