from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Input, Reason


class CorrectionCreate(Input):
    field: Literal["name", "kana", "date_of_birth", "sex", "phone", "residence_type", "residence_since",
                   "diagnoses", "public_assistance", "emergency_contacts", "notes"]
    requested_value: Any = Field(description="The value the person asks for, as the client record's field takes it")
    reason: Reason
    source: Literal["client", "representative", "staff"] = "client"
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
    status: Literal["requested", "accepted", "rejected"]
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
