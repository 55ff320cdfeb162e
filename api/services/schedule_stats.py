"""Capacity use per branch office and per worker (issue 18, item 1): visits booked on the days the
workers' patterns put them at a branch office, against what those days hold.

Per branch office, the visit count is published like every other statistic (api.domain.cell_key:
perturbed, small counts hidden), and the use is computed from the published figure. Per named worker
the figures are the rule of workload: only for a supervisor, only for workers of its own branches."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import UserAccount, WorkerDayLoad, WorkLeave, WorkPattern
from api.db.unit import RequestUnit
from api.domain import schedules as rules
from api.domain.access_rules import Action, sees_worker_load
from api.domain.cell_key import publish, tally
from api.domain.fiscal import fiscal_year_bounds, today_tokyo
from api.domain.principal import Principal
from api.schemas.schedules import BranchCapacityUse, CapacityUse, WorkerCapacityUse
from api.services import stats as stats_service
from api.services.guard import require


def _day_key(worker_id: uuid.UUID, day: date) -> int:
    """A worker-day's cell key: fixed for the record, so a figure never changes between readings."""
    return int.from_bytes(hashlib.sha256(f"{worker_id}|{day.isoformat()}".encode()).digest()[:2], "big")


def _use(visits: int | None, capacity: int) -> float | None:
    return round(visits / capacity, 3) if visits is not None and capacity else None


async def capacity_use(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                       protection: stats_service.Protection, *, fiscal_year_from: int | None,
                       fiscal_year_to: int | None, branch_code: str | None) -> CapacityUse:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    async with reader() as session:
        axes = await stats_service._axes(session)
        filters = stats_service.check_filters(axes, fiscal_year_from, fiscal_year_to, None, branch_code, today)
        first = fiscal_year_bounds(filters.period.first)[0]
        last = min(fiscal_year_bounds(filters.period.last)[1], today)
        patterns = (await session.scalars(select(WorkPattern).where(
            WorkPattern.valid_from <= last, (WorkPattern.valid_to.is_(None)) | (WorkPattern.valid_to >= first)))).all()
        workers = sorted({p.worker_id for p in patterns})
        leaves = (await session.scalars(select(WorkLeave).where(
            WorkLeave.worker_id.in_(workers), WorkLeave.last_day >= first, WorkLeave.first_day <= last))).all()
        loads = (await session.execute(select(WorkerDayLoad.performer_id, WorkerDayLoad.day, WorkerDayLoad.visits)
                                       .where(WorkerDayLoad.performer_id.in_(workers), WorkerDayLoad.day >= first,
                                              WorkerDayLoad.day <= last))).all()
        users = {u.id: u for u in (await session.scalars(select(UserAccount).where(UserAccount.id.in_(workers)))).all()}
    by_worker = defaultdict(list)
    for p in patterns:
        by_worker[p.worker_id].append(p)
    leave_of = defaultdict(list)
    for leave in leaves:
        leave_of[leave.worker_id].append(leave)
    booked = {(r.performer_id, r.day): int(r.visits) for r in loads}
    # (branch) -> [working days, capacity, visits, key]; (worker) -> [working days, capacity, visits]
    branch_cells: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    worker_cells: dict[uuid.UUID, list[int]] = defaultdict(lambda: [0, 0, 0])
    for worker_id in workers:
        for day in rules.days(first, last):
            plan = rules.day_plan(by_worker[worker_id], leave_of[worker_id], day, 0)
            if plan.branch_code is None:
                continue
            visits = booked.get((worker_id, day), 0)
            cell = branch_cells[plan.branch_code]
            cell[0] += 1
            cell[1] += plan.capacity
            cell[2] += visits
            cell[3] += visits * _day_key(worker_id, day)
            mine = worker_cells[worker_id]
            mine[0] += 1
            mine[1] += plan.capacity
            mine[2] += visits
    branches = []
    for code in [branch_code] if branch_code else axes.branches:
        days, capacity, visits, key = branch_cells.get(code, [0, 0, 0, 0])
        figure = publish(tally(visits, key), protection.threshold, protection.bound).value
        branches.append(BranchCapacityUse(branch_code=code, working_days=days, capacity=capacity,
                                          visits=stats_service.figure_of(figure), capacity_use=_use(figure, capacity)))
    named = []
    for worker_id in sorted(worker_cells, key=lambda w: (users[w].display_name, str(w))):
        user = users[worker_id]
        codes = list(user.branch_codes or [])
        if not sees_worker_load(principal, codes) or (branch_code is not None and branch_code not in codes):
            continue
        days, capacity, visits = worker_cells[worker_id]
        named.append(WorkerCapacityUse(worker_id=worker_id, name=user.display_name, branch_codes=codes,
                                       working_days=days, capacity=capacity, visits=visits,
                                       capacity_use=_use(visits, capacity)))
    unit.audit("read", "statistics", subject="capacity-use",
               detail={"fiscal_years": [filters.period.first, filters.period.last], "branch_code": branch_code,
                       "per_worker": bool(named)})
    return CapacityUse(first=first, last=last, threshold=protection.threshold, noise_bound=protection.bound,
                       branches=branches, workers=named)
