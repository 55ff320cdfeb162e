from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventRead(BaseModel):
    """One row of the audit trail. Its place in the Merkle log and the proof: `GET /v1/audit-events/{id}/proof`."""

    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="Insertion order; newest first in lists")
    id: uuid.UUID
    at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_name: str | None
    role: str | None
    agency_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    client_id: uuid.UUID | None = Field(description="The client (person supported) the event concerns")
    subject: str | None
    purpose: str | None
    outcome: str
    request_id: str | None
    client_addr: str | None
    detail: dict[str, Any] | None
