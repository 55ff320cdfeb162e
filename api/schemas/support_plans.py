"""Issue 18, item 7: shared support plans (支援方針) and who has read them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.domain import codes
from api.schemas.clients import TeamRole
from api.schemas.common import Input, Reason

PolicyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Assignment(Input):
    """Who does what: a named care-team member, or a profession when nobody is named yet."""

    user_id: uuid.UUID | None = Field(default=None, description="A current member of the client's care team")
    team_role: TeamRole
    task: Reason


class SupportPlanCreate(Input):
    """A new draft version; it starts from nothing, not from the current version (send its text)."""

    id: uuid.UUID | None = None
    policy: PolicyText = Field(description="The support policy (支援方針)")
    goals: list[Reason] = Field(default_factory=list, max_length=20)
    assignments: list[Assignment] = Field(default_factory=list, max_length=30)


class SupportPlanUpdate(Input):
    """Only a draft changes; a published version is immutable."""

    policy: PolicyText | None = None
    goals: list[Reason] | None = Field(default=None, max_length=20)
    assignments: list[Assignment] | None = Field(default=None, max_length=30)


class AssignmentRead(BaseModel):
    user_id: uuid.UUID | None
    team_role: str
    task: str


class SupportPlanRead(BaseModel):
    id: uuid.UUID
    episode_id: uuid.UUID
    client_id: uuid.UUID
    number: int = Field(description="Version number within the episode's plan, from 1")
    status: codes.SupportPlanStatus = Field(description="draft, or published (then immutable)")
    current: bool = Field(description="The highest published version: the one the team is to read")
    policy: str
    goals: list[str]
    assignments: list[AssignmentRead]
    created_by: uuid.UUID
    published_at: datetime | None
    published_by: uuid.UUID | None
    acknowledged_by_me: bool = Field(description="The caller has acknowledged this version")
    created_at: datetime
    updated_at: datetime
    version: int


class PlanReader(BaseModel):
    user_id: uuid.UUID
    name: str
    team_role: str
    acknowledged_at: datetime | None


class PlanReaders(BaseModel):
    """The current version and the care team's reading of it."""

    plan_id: uuid.UUID
    episode_id: uuid.UUID
    client_id: uuid.UUID
    number: int
    published_at: datetime
    acknowledged: list[PlanReader]
    unread: list[PlanReader] = Field(description="Current care-team members who have not acknowledged this version")
