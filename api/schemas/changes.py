from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.domain.change_feed import CHANGE_REASONS, FEED_RESOURCE_TYPES
from api.domain.codes import one_of


class Change(BaseModel):
    resource_type: Annotated[str, one_of(FEED_RESOURCE_TYPES)]
    id: uuid.UUID
    client_id: uuid.UUID | None
    deleted: bool = Field(description="A tombstone: drop your copy (for a client, with everything of that client)")
    reason: Annotated[str, one_of(CHANGE_REASONS)]
    changed_at: datetime
    record: dict[str, Any] | None = Field(
        description="The record as it is now, shaped as GET on it would show it to you; null on tombstones")


class ChangePage(BaseModel):
    items: list[Change]
    next_cursor: str = Field(description="Pass as `cursor` next time; resume from it after any interruption")
    has_more: bool = Field(description="More changes are ready now; ask again at once")
