"""Where a worker is on a day and how many visits fit in it (issue 18, item 1).

A worker's working pattern says at which branch office the worker is on which weekdays, for a
period; leave takes days out. One visit is about an hour with travel and five a day is the most
(newsletter: 「1日5件が限度」), so each working day has a visit capacity. A worker with no pattern
keeps the one ward-wide capacity on every day (DAILY_VISIT_CAPACITY)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

MAX_VISITS_PER_DAY = 5
MAX_SCHEDULE_DAYS = 31

# Why a visit does not fit the worker's day: the key of the problem and of its confirmation.
OVER_CAPACITY = "over_capacity"
ELSEWHERE = "elsewhere"
NOT_WORKING = "not_working"
ON_LEAVE = "on_leave"


class Pattern(Protocol):
    @property
    def branch_code(self) -> str: ...
    @property
    def weekdays(self) -> Sequence[int]: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_to(self) -> date | None: ...
    @property
    def visits_per_day(self) -> int: ...


class Leave(Protocol):
    @property
    def first_day(self) -> date: ...
    @property
    def last_day(self) -> date: ...


@dataclass(frozen=True, slots=True)
class DayPlan:
    day: date
    scheduled: bool  # the worker has a pattern at all; False: the ward-wide default applies
    branch_code: str | None  # where the worker is; None on a day off, on leave, or without a pattern
    on_leave: bool
    capacity: int


def pattern_covers(pattern: Pattern, day: date) -> bool:
    return (pattern.valid_from <= day and (pattern.valid_to is None or day <= pattern.valid_to)
            and day.isoweekday() in pattern.weekdays)


def day_plan(patterns: Sequence[Pattern], leaves: Sequence[Leave], day: date, default_capacity: int) -> DayPlan:
    if not patterns:
        return DayPlan(day, False, None, False, default_capacity)
    if any(leave.first_day <= day <= leave.last_day for leave in leaves):
        return DayPlan(day, True, None, True, 0)
    # Overlapping patterns are refused when written; the latest start wins should old rows overlap.
    here = sorted((p for p in patterns if pattern_covers(p, day)), key=lambda p: p.valid_from)
    if not here:
        return DayPlan(day, True, None, False, 0)
    return DayPlan(day, True, here[-1].branch_code, False, here[-1].visits_per_day)


def overlaps(a: Pattern, b: Pattern) -> bool:
    """Two patterns that would put one worker in two places on some day."""
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end and bool(set(a.weekdays) & set(b.weekdays))


def misfit(plan: DayPlan, visits_booked: int, branch_code: str) -> str | None:
    """Why one more visit for a client of `branch_code` does not fit this day (None: it fits)."""
    if plan.scheduled:
        if plan.on_leave:
            return ON_LEAVE
        if plan.branch_code is None:
            return NOT_WORKING
        if plan.branch_code != branch_code:
            return ELSEWHERE
    if visits_booked >= plan.capacity:
        return OVER_CAPACITY
    return None


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
