"""Services a client uses, and the risks its care team watches."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.domain import codes
from api.messages import invalid
from api.schemas.common import Input, Reason, ShortText
from api.schemas.households import Note

ServiceUseKind = codes.ServiceUseKind
RiskFlagCode = codes.RiskFlagCode


class ServiceUseCreate(Input):
    id: uuid.UUID | None = None
    kind: ServiceUseKind
    service_id: uuid.UUID | None = Field(default=None, description="The listing in the resource directory")
    provider_name: ShortText | None = Field(default=None, description="A provider not in the directory")
    started_on: date
    ended_on: date | None = None
    days_per_week: int | None = Field(default=None, ge=0, le=7)
    note: Note | None = None

    @model_validator(mode="after")
    def _rules(self) -> ServiceUseCreate:
        if self.ended_on is not None and self.ended_on < self.started_on:
            raise invalid("service_use.ended_before_started")
        return self


class ServiceUseUpdate(Input):
    ended_on: date | None = None
    days_per_week: int | None = Field(default=None, ge=0, le=7)
    note: Note | None = None


class ServiceUseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    service_id: uuid.UUID | None
    provider_agency_id: uuid.UUID | None
    provider_name: str | None
    started_on: date
    ended_on: date | None
    current: bool
    days_per_week: int | None
    note: str | None
    updated_at: datetime
    version: int


class RiskFlagCreate(Input):
    id: uuid.UUID | None = None
    code: RiskFlagCode
    note: Note | None = None
    raised_on: date | None = Field(default=None, description="Default today (Asia/Tokyo)")
    review_on: date = Field(description="When the care team looks at it again")


class RiskFlagUpdate(Input):
    """Review it (a new review date, a note) or resolve it."""

    note: Note | None = None
    review_on: date | None = None
    resolved_on: date | None = None
    resolution: Reason | None = None

    @model_validator(mode="after")
    def _resolution(self) -> RiskFlagUpdate:
        if (self.resolved_on is None) != (self.resolution is None):
            raise invalid("risk_flag.resolution")
        return self


class RiskFlagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    code: str
    note: str | None
    raised_on: date
    review_on: date
    review_due: bool
    resolved_on: date | None
    resolution: str | None
    raised_by: uuid.UUID | None
    updated_at: datetime
    version: int
