"""Workers' schedules, their days against capacity, and capacity-use statistics (issue 18, item 1)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.domain.schedules import MAX_VISITS_PER_DAY
from api.messages import invalid
from api.schemas.common import Code, Input, ShortText
from api.schemas.stats import Figure


class WorkPatternCreate(Input):
    id: uuid.UUID | None = None
    branch_code: Code = Field(description="The branch office the worker is at on these weekdays")
    weekdays: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays: 1 = Monday … 7 = Sunday")
    valid_from: date
    valid_to: date | None = None
    visits_per_day: int = Field(default=MAX_VISITS_PER_DAY, ge=1, le=20,
                                description="Visits that fit one working day (an hour each with travel)")

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value) or len(set(value)) != len(value):
            raise invalid("schedule.weekdays")
        return sorted(value)

    @model_validator(mode="after")
    def _period(self) -> WorkPatternCreate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise invalid("schedule.period_reversed")
        return self


class WorkPatternUpdate(Input):
    """End a pattern (`valid_to`, null reopens it) or change what its days hold; If-Match."""

    valid_to: date | None = None
    visits_per_day: int | None = Field(default=None, ge=1, le=20)


class WorkPatternRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    worker_id: uuid.UUID
    branch_code: str
    weekdays: list[int]
    valid_from: date
    valid_to: date | None
    visits_per_day: int
    created_at: datetime
    version: int


class WorkLeaveCreate(Input):
    id: uuid.UUID | None = None
    first_day: date
    last_day: date
    note: ShortText | None = None

    @model_validator(mode="after")
    def _period(self) -> WorkLeaveCreate:
        if self.last_day < self.first_day:
            raise invalid("schedule.period_reversed")
        return self


class WorkLeaveRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    worker_id: uuid.UUID
    first_day: date
    last_day: date
    note: str | None
    created_at: datetime


class ScheduleDay(BaseModel):
    date: date
    weekday: int = Field(description="ISO weekday, 1 = Monday")
    branch_code: str | None = Field(description="Where the worker is; null on a day off or on leave")
    on_leave: bool
    scheduled: bool = Field(description="false: the worker has no pattern and the ward-wide capacity applies")
    capacity: int
    visits: int = Field(description="Visits booked (home visits, accompaniments, trial stays)")
    remaining: int


class WorkerSchedule(BaseModel):
    worker_id: uuid.UUID
    name: str
    branch_codes: list[str]
    first: date
    last: date
    days: list[ScheduleDay]
    days_by_branch: dict[str, int] = Field(description="Working days at each branch office in the range")


class BranchCapacityUse(BaseModel):
    branch_code: str
    working_days: int = Field(description="Worker-days scheduled at the branch office")
    capacity: int = Field(description="Visits those days can hold")
    visits: Figure = Field(description="Visits booked on those days, published by the cell-key rules")
    capacity_use: float | None = Field(description="visits / capacity, from the published figure")


class WorkerCapacityUse(BaseModel):
    worker_id: uuid.UUID
    name: str
    branch_codes: list[str]
    working_days: int
    capacity: int
    visits: int
    capacity_use: float | None


class CapacityUse(BaseModel):
    first: date
    last: date
    threshold: int
    noise_bound: int
    branches: list[BranchCapacityUse]
    workers: list[WorkerCapacityUse] = Field(
        description="Per named worker: only for supervisors, only workers of their own branch offices")
