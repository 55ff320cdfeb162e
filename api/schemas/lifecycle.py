from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.domain import codes
from api.schemas.common import Input, Reason


class CorrectionCreate(Input):
    field: codes.CorrectableField
    requested_value: Any = Field(description="The value the person asks for, as the client record's field takes it")
    reason: Reason
    source: codes.CorrectionSource = "client"
    received_on: date


class CorrectionDecision(Input):
    decision: Literal["accept", "reject"]
    reason: Reason


class CorrectionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    field: str
    requested_value: Any
    reason: str
    source: str
    received_on: date
    requested_by: uuid.UUID
    requested_at: datetime
    status: codes.CorrectionStatus
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_reason: str | None
    old_value: Any = Field(description="The field's value when the request was decided")
    new_value: Any = Field(description="The field's value after the decision (the old value when rejected)")
    version: int


class RetentionCandidate(BaseModel):
    client_id: uuid.UUID
    last_closed_on: date | None
    deactivated_on: date | None
    due_on: date


class RetentionPreview(BaseModel):
    """What the next retention run would erase, as of today (Asia/Tokyo)."""

    years_after_close: int
    as_of: date
    items: list[RetentionCandidate]


class EmergencyAccessOpen(Input):
    """Name the client by id, or by kana and date of birth (exact, as on the crisis call)."""

    client_id: uuid.UUID | None = None
    kana: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    reason_code: codes.EmergencyAccessReason
    reason_text: Reason

    @model_validator(mode="after")
    def _one_way_to_name(self) -> EmergencyAccessOpen:
        if self.client_id is None and (self.kana is None or self.date_of_birth is None):
            raise ValueError("name the client: client_id, or kana and date_of_birth")
        if self.client_id is not None and (self.kana is not None or self.date_of_birth is not None):
            raise ValueError("name the client one way: client_id, or kana and date_of_birth")
        return self


class EmergencyReview(Input):
    justified: bool
    note: Reason


class EmergencyAccessRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    user_id: uuid.UUID
    reason_code: str
    reason_text: str
    opened_at: datetime
    expires_at: datetime
    review_status: codes.EmergencyAccessReviewStatus
    reviewed_by: uuid.UUID | None
    reviewed_at: datetime | None
    review_note: str | None
    version: int


class EmergencyQueueItem(EmergencyAccessRead):
    user_name: str
    user_grants_90d: int = Field(description="Grants this user opened in the last 90 days: repeated use stands out")


class EmergencyQueue(BaseModel):
    items: list[EmergencyQueueItem]
