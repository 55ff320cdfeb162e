"""Workers' working patterns and leave, their days against visit capacity, and the check a visit
booking passes (issue 18, item 1). Rules: api.domain.schedules."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import UserAccount, WorkerDayLoad, WorkLeave, WorkPattern
from api.db.unit import RequestUnit
from api.domain import schedules as rules
from api.domain.access_rules import Action, On, sees_worker_load, sees_worker_schedule
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, id_taken
from api.schemas.schedules import ScheduleDay, WorkerSchedule, WorkLeaveCreate, WorkPatternCreate, WorkPatternUpdate
from api.services.guard import invisible, require


async def _worker(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID, *, manage: bool) -> UserAccount:
    """The worker whose schedule is asked for: 404 unless it is the caller's own or, for a
    supervisor, a worker of one of its branch offices (the rule of workload per named worker)."""
    require(unit, principal, Action.schedule_manage if manage else Action.schedule_read,
            On(user_id=None if manage else worker_id), resource_type="work_pattern")
    worker = await unit.session.get(UserAccount, worker_id)
    if worker is None or not (sees_worker_load(principal, list(worker.branch_codes or [])) if manage
                              else sees_worker_schedule(principal, worker_id, list(worker.branch_codes or []))):
        raise await invisible(unit, "worker", worker_id)
    return worker


async def patterns_of(session: AsyncSession, worker_id: uuid.UUID) -> Sequence[WorkPattern]:
    return (await session.scalars(select(WorkPattern).where(WorkPattern.worker_id == worker_id)
                                  .order_by(WorkPattern.valid_from, WorkPattern.id))).all()


async def leaves_of(session: AsyncSession, worker_id: uuid.UUID, first: date | None = None,
                    last: date | None = None) -> Sequence[WorkLeave]:
    stmt = select(WorkLeave).where(WorkLeave.worker_id == worker_id)
    if first is not None and last is not None:
        stmt = stmt.where(WorkLeave.last_day >= first, WorkLeave.first_day <= last)
    return (await session.scalars(stmt.order_by(WorkLeave.first_day, WorkLeave.id))).all()


async def plan(session: AsyncSession, worker_id: uuid.UUID, day: date, default_capacity: int) -> rules.DayPlan:
    """Where the worker is on `day` and how many visits the day holds."""
    return rules.day_plan(await patterns_of(session, worker_id), await leaves_of(session, worker_id, day, day),
                          day, default_capacity)


async def visits_on(session: AsyncSession, worker_id: uuid.UUID, first: date, last: date) -> dict[date, int]:
    rows = await session.execute(select(WorkerDayLoad.day, WorkerDayLoad.visits).where(
        WorkerDayLoad.performer_id == worker_id, WorkerDayLoad.day >= first, WorkerDayLoad.day <= last))
    return {r.day: int(r.visits) for r in rows}


def check_visit(day_plan: rules.DayPlan, visits_booked: int, branch_code: str, *, confirm_elsewhere: bool,
                confirm_over_capacity: bool) -> list[str]:
    """Refuse (409) a visit that does not fit the worker's day unless the caller confirmed that very
    reason; return the reasons confirmed, for the audit row."""
    confirmed: list[str] = []
    reason = rules.misfit(day_plan, visits_booked, branch_code)
    if reason in (rules.ELSEWHERE, rules.NOT_WORKING, rules.ON_LEAVE):
        if not confirm_elsewhere:
            raise Problem("conflict", msg(f"schedule.{reason}", date=day_plan.day.isoformat(),
                                          at=day_plan.branch_code or "", branch=branch_code),
                          reason=reason, worker_branch_code=day_plan.branch_code, confirm="confirm_elsewhere")
        confirmed.append(reason)
    # A day off confirmed as an extra working day still holds no more than a working day does.
    capacity = day_plan.capacity or rules.MAX_VISITS_PER_DAY
    if visits_booked >= capacity:
        if not confirm_over_capacity:
            raise Problem("conflict", msg("schedule.over_capacity", date=day_plan.day.isoformat(),
                                          visits=visits_booked, capacity=capacity),
                          reason=rules.OVER_CAPACITY, visits=visits_booked, capacity=capacity,
                          confirm="confirm_over_capacity")
        confirmed.append(rules.OVER_CAPACITY)
    return confirmed


# ------------------------------------------------------------------------------ patterns ----

async def list_patterns(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID) -> Sequence[WorkPattern]:
    await _worker(unit, principal, worker_id, manage=False)
    return await patterns_of(unit.session, worker_id)


async def add_pattern(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID,
                      body: WorkPatternCreate) -> WorkPattern:
    worker = await _worker(unit, principal, worker_id, manage=True)
    branches = list(worker.branch_codes or [])
    if body.branch_code not in branches:
        raise Problem("validation", msg("schedule.branch_not_workers", code=body.branch_code, allowed=branches))
    if body.id is not None and await unit.session.get(WorkPattern, body.id) is not None:
        raise id_taken()
    pattern = WorkPattern(id=body.id or uuid.uuid4(), worker_id=worker_id, created_by=principal.id,
                          **body.model_dump(exclude={"id"}))
    # Serialise writers of one worker's patterns, so two overlapping ones cannot both pass the check.
    await unit.session.execute(select(UserAccount.id).where(UserAccount.id == worker_id).with_for_update())
    for other in await patterns_of(unit.session, worker_id):
        if rules.overlaps(pattern, other):
            raise Problem("conflict", msg("schedule.overlap", other=str(other.id)), other_id=str(other.id))
    unit.session.add(pattern)
    await unit.session.flush()
    unit.audit("create", "work_pattern", resource_id=pattern.id, detail={"worker_id": str(worker_id)})
    await unit.session.refresh(pattern)
    return pattern


async def update_pattern(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID, pattern_id: uuid.UUID,
                         body: WorkPatternUpdate, expected: int) -> WorkPattern:
    await _worker(unit, principal, worker_id, manage=True)
    await unit.session.execute(select(UserAccount.id).where(UserAccount.id == worker_id).with_for_update())
    pattern = await unit.session.scalar(select(WorkPattern).where(
        WorkPattern.id == pattern_id, WorkPattern.worker_id == worker_id).with_for_update())
    if pattern is None:
        raise await invisible(unit, "work_pattern", pattern_id)
    check_version(pattern.version, expected)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("visits_per_day", 0) is None:
        raise Problem("validation", msg("field.cannot_be_null", field="visits_per_day"))
    if "valid_to" in changes and changes["valid_to"] is not None and changes["valid_to"] < pattern.valid_from:
        raise Problem("validation", msg("schedule.period_reversed"))
    for field, value in changes.items():
        setattr(pattern, field, value)
    for other in await patterns_of(unit.session, worker_id):
        if other.id != pattern.id and rules.overlaps(pattern, other):
            raise Problem("conflict", msg("schedule.overlap", other=str(other.id)), other_id=str(other.id))
    await unit.session.flush()
    unit.audit("update", "work_pattern", resource_id=pattern.id, detail={"worker_id": str(worker_id)})
    await unit.session.refresh(pattern)
    return pattern


async def end_pattern(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID, pattern_id: uuid.UUID,
                      expected: int) -> None:
    await _worker(unit, principal, worker_id, manage=True)
    pattern = await unit.session.scalar(select(WorkPattern).where(
        WorkPattern.id == pattern_id, WorkPattern.worker_id == worker_id).with_for_update())
    if pattern is None:
        raise await invisible(unit, "work_pattern", pattern_id)
    check_version(pattern.version, expected)
    await unit.session.delete(pattern)
    await unit.session.flush()
    unit.audit("delete", "work_pattern", resource_id=pattern_id, detail={"worker_id": str(worker_id)})


# -------------------------------------------------------------------------------- leave ----

async def list_leaves(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID) -> Sequence[WorkLeave]:
    await _worker(unit, principal, worker_id, manage=False)
    return await leaves_of(unit.session, worker_id)


async def add_leave(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID, body: WorkLeaveCreate) -> WorkLeave:
    await _worker(unit, principal, worker_id, manage=True)
    if body.id is not None and await unit.session.get(WorkLeave, body.id) is not None:
        raise id_taken()
    leave = WorkLeave(id=body.id or uuid.uuid4(), worker_id=worker_id, created_by=principal.id,
                      **body.model_dump(exclude={"id"}))
    unit.session.add(leave)
    await unit.session.flush()
    unit.audit("create", "work_leave", resource_id=leave.id, detail={"worker_id": str(worker_id)})
    await unit.session.refresh(leave)
    return leave


# ----------------------------------------------------------------------------- schedule ----

async def schedule(unit: RequestUnit, principal: Principal, worker_id: uuid.UUID, first: date, last: date | None,
                   default_capacity: int) -> WorkerSchedule:
    """The worker's days from `first` to `last` (a week by default): where, capacity, visits booked."""
    worker = await _worker(unit, principal, worker_id, manage=False)
    last = last if last is not None else first + timedelta(days=6)
    if last < first or (last - first).days + 1 > rules.MAX_SCHEDULE_DAYS:
        raise Problem("validation", msg("schedule.range", max=rules.MAX_SCHEDULE_DAYS))
    patterns = await patterns_of(unit.session, worker_id)
    leaves = await leaves_of(unit.session, worker_id, first, last)
    booked = await visits_on(unit.session, worker_id, first, last)
    days: list[ScheduleDay] = []
    by_branch: dict[str, int] = {}
    for day in rules.days(first, last):
        p = rules.day_plan(patterns, leaves, day, default_capacity)
        visits = booked.get(day, 0)
        days.append(ScheduleDay(date=day, weekday=day.isoweekday(), branch_code=p.branch_code, on_leave=p.on_leave,
                                scheduled=p.scheduled, capacity=p.capacity, visits=visits,
                                remaining=max(0, p.capacity - visits)))
        if p.branch_code is not None:
            by_branch[p.branch_code] = by_branch.get(p.branch_code, 0) + 1
    unit.audit("read", "work_pattern", subject="schedule", detail={"worker_id": str(worker_id)})
    return WorkerSchedule(worker_id=worker_id, name=worker.display_name, branch_codes=list(worker.branch_codes or []),
                          first=first, last=last, days=days, days_by_branch=by_branch)
