from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.domain import codes
from api.messages import invalid
from api.schemas.common import Input, LongText, Name, Reason, ShortText

EpisodeActionName = codes.EpisodeActionName
ClosureReasonName = codes.ClosureReasonCode


class EpisodeCreate(Input):
    id: uuid.UUID | None = None
    client_id: uuid.UUID
    programme_code: Name
    operating_agency_id: uuid.UUID | None = Field(
        default=None, description="Default: the programme's only operating agency")
    lead_worker_id: uuid.UUID | None = None
    proposed_on: date | None = None


class Attendee(Input):
    name: Name
    agency: ShortText | None = None
    role: ShortText | None = None


class DecisionInput(Input):
    decided_on: date
    body: ShortText = Field(default="支援会議", description="The meeting that decided (支援会議)")
    attendees: list[Attendee] = Field(default_factory=list, max_length=30)
    decision: Reason
    notes: LongText | None = None
    planned_end: date | None = Field(default=None, description="Overrides start + the programme's default length")


class TransitionRequest(Input):
    action: EpisodeActionName
    decision: DecisionInput | None = None
    reason: Reason | None = None
    closure_reason: ClosureReasonName | None = None
    living_situation: Reason | None = Field(default=None, description="Where and how the client lives at closure")
    readmission: bool = Field(default=False, description="hold: the client was readmitted to hospital")
    effective_on: date | None = Field(default=None, description="Default today (Asia/Tokyo)")


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    action: str
    decided_on: date
    body: str
    attendees: list[dict[str, object]]
    decision: str
    notes: str | None
    planned_end: date | None


class StatusChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action: str
    from_status: str | None
    to_status: str
    decision_id: uuid.UUID | None
    reason: str | None
    previous_planned_end: date | None
    planned_end: date | None
    readmission: bool
    by_principal: uuid.UUID | None
    at: datetime


class EpisodeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    programme_id: uuid.UUID
    programme_code: str
    branch_code: str
    operating_agency_id: uuid.UUID
    lead_worker_id: uuid.UUID | None
    status: str
    proposed_on: date
    started_on: date | None
    planned_end: date | None
    ended_on: date | None
    closure_reason: str | None
    living_situation_at_closure: str | None
    overdue: bool = Field(description="Active or on hold past its planned end")
    allowed_actions: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


class EpisodeDetail(EpisodeRead):
    history: list[StatusChangeRead]
    decisions: list[DecisionRead]


GoalStatus = codes.GoalStatus


class GoalCreate(Input):
    id: uuid.UUID | None = None
    text: Reason
    status: GoalStatus = "proposed"
    review_on: date | None = None


class GoalUpdate(Input):
    text: Reason | None = None
    status: GoalStatus | None = None
    review_on: date | None = None


class GoalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    episode_id: uuid.UUID
    text: str
    status: str
    review_on: date | None
    updated_at: datetime
    version: int


ActivityKind = codes.ActivityKind
AccompanimentPurpose = codes.AccompanimentPurpose


class Participant(Input):
    name: Name
    agency: ShortText | None = None
    user_id: uuid.UUID | None = None


class ActivityCreate(Input):
    id: uuid.UUID | None = None
    kind: ActivityKind
    purpose: AccompanimentPurpose | None = None
    off_hours: bool = False
    occurred_at: datetime
    duration_minutes: int = Field(ge=0, le=24 * 60)
    travel_minutes: int = Field(default=0, ge=0, le=24 * 60)
    participants: list[Participant] = Field(default_factory=list, max_length=20)
    note: LongText | None = None
    next_step: ShortText | None = None
    # --- issue 18: schedules ---
    confirm_elsewhere: bool = Field(
        default=False, description="Book the visit although the worker is at another branch office, off or on "
        "leave that day (else 409)")
    confirm_over_capacity: bool = Field(
        default=False, description="Book the visit although the worker's day is full (else 409)")

    @model_validator(mode="after")
    def _rules(self) -> ActivityCreate:
        if self.occurred_at.tzinfo is None:
            raise invalid("activity.offset")
        if self.kind == "accompaniment" and self.purpose is None:
            raise invalid("activity.purpose_needed")
        if self.kind != "accompaniment" and self.purpose is not None:
            raise invalid("activity.purpose_only_accompaniment")
        if self.off_hours and self.kind != "phone_call":
            raise invalid("activity.off_hours_phone_only")
        return self


class ActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    episode_id: uuid.UUID | None
    kind: str
    purpose: str | None
    off_hours: bool
    occurred_at: datetime
    duration_minutes: int
    travel_minutes: int
    performer_id: uuid.UUID
    participants: list[dict[str, object]]
    note: str | None
    next_step: str | None
    updated_at: datetime
    version: int


class WorkerDay(BaseModel):
    performer_id: uuid.UUID
    date: date
    visits: int = Field(description="Home visits and accompaniments, the work the daily capacity is about")
    capacity: int
    remaining: int
    minutes_with_travel: int
    activities: list[ActivityRead]
