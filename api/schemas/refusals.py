"""A client's refusal of a profession or of a named agency."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.domain import codes
from api.domain.fiscal import today_tokyo
from api.messages import invalid
from api.schemas.clients import TeamRole
from api.schemas.common import Input, Reason, ShortText
from api.schemas.households import Note

RefusalSource = codes.RefusalSource


class RefusalCreate(Input):
    id: uuid.UUID | None = None
    team_role: TeamRole | None = Field(default=None, description="The profession refused (e.g. public_health_nurse)")
    agency_id: uuid.UUID | None = Field(default=None, description="The agency refused")
    refused_on: date
    source: RefusalSource = Field(description="Who told the worker")
    source_detail: ShortText | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RefusalCreate:
        if (self.team_role is None) == (self.agency_id is None):
            raise invalid("refusal.one_target")
        if self.refused_on > today_tokyo():
            raise invalid("refusal.in_future")
        return self


class RefusalEnd(Input):
    ended_on: date | None = Field(default=None, description="The day the client no longer refused; default today")
    reason: Reason


class RefusalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    client_id: uuid.UUID
    team_role: str | None
    agency_id: uuid.UUID | None
    refused_on: date
    source: str
    source_detail: str | None
    note: str | None
    active: bool
    ended_on: date | None
    end_reason: str | None
    recorded_by: uuid.UUID | None
    created_at: datetime
    version: int
