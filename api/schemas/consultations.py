"""Advice requests and staff activities (issue 18, item 2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.domain import codes
from api.messages import invalid
from api.schemas.common import Input, ShortText
from api.schemas.stats import Figure, FiscalYearLabel

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
StaffActivityKind = codes.StaffActivityKind


class AdviceRequestCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-generated id (offline capture)")
    specialist_id: uuid.UUID = Field(description="A mental-care worker or public health nurse (/v1/directory/users)")
    client_id: uuid.UUID | None = Field(default=None, description="Optional: a client the asker sees")
    subject: Subject
    question: Body
    client_summary: Body | None = Field(
        default=None, description="What the specialist needs to know of the client, written by the asker: the "
                                  "specialist reads this, never the client record")

    @model_validator(mode="after")
    def _summary_needs_client(self) -> AdviceRequestCreate:
        if self.client_summary is not None and self.client_id is None:
            raise invalid("advice.summary_without_client")
        return self


class AdviceAnswer(Input):
    answer: Body


class AdviceRequestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    asker_id: uuid.UUID
    asker_agency_id: uuid.UUID
    specialist_id: uuid.UUID
    specialist_agency_id: uuid.UUID
    client_id: uuid.UUID | None
    subject: str
    question: str
    client_summary: str | None
    status: codes.AdviceRequestStatus
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None
    turnaround_minutes: int | None = Field(description="From asking to answering, in whole minutes; null while open")
    created_at: datetime
    updated_at: datetime
    version: int


class AdviceStats(BaseModel):
    threshold: int
    noise_bound: int
    as_of: date = Field(description="The date of the release these figures come from")
    fiscal_year: FiscalYearLabel
    asked: Figure = Field(description="Advice requests asked in the fiscal year")
    answered: Figure
    still_open: Figure = Field(description="Asked in the fiscal year and not answered yet")
    about_a_client: Figure = Field(description="Requests naming a client")
    median_hours_to_answer: float | None = Field(
        description="From asking to answering; null when no more than the threshold were answered")


class StaffActivityCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-generated id (offline capture)")
    kind: StaffActivityKind
    occurred_at: AwareDatetime
    duration_minutes: int = Field(ge=1, le=1440)
    off_hours: bool = Field(default=False, description="On a non-working day or outside office hours")
    counterpart: ShortText | None = Field(default=None, description="Whom the work was with (no client names)")
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None

    @model_validator(mode="after")
    def _not_in_future(self) -> StaffActivityCreate:
        if self.occurred_at > datetime.now(self.occurred_at.tzinfo):
            raise invalid("staff_activity.in_future")
        return self


class StaffActivityUpdate(Input):
    kind: StaffActivityKind | None = None
    occurred_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=1440)
    off_hours: bool | None = None
    counterpart: ShortText | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None


class StaffActivityRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    performer_id: uuid.UUID
    agency_id: uuid.UUID
    kind: str
    occurred_at: datetime
    duration_minutes: int
    off_hours: bool
    counterpart: str | None
    note: str | None
    created_at: datetime
    updated_at: datetime
    version: int
