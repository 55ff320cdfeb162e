from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class Change(BaseModel):
    resource_type: Literal["client", "episode", "goal", "activity", "consent", "care_team_member",
                           "referral", "support_plan", "meeting",
                           # issue 18: case notes (the professions only)
                           "related_person", "client_refusal", "service_use", "risk_flag",
                           # issue 18: enquiries and advice requests (their own scopes)
                           "intake", "advice_request"]
    id: uuid.UUID
    client_id: uuid.UUID | None
    deleted: bool = Field(description="A tombstone: drop your copy (for a client, with everything of that client)")
    reason: Literal["created", "updated", "deactivated", "out_of_scope"]
    changed_at: datetime
    record: dict[str, Any] | None = Field(
        description="The record as it is now, shaped as GET on it would show it to you; null on tombstones")


class ChangePage(BaseModel):
    items: list[Change]
    next_cursor: str = Field(description="Pass as `cursor` next time; resume from it after any interruption")
    has_more: bool = Field(description="More changes are ready now; ask again at once")
