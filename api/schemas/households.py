"""A client's related persons (family and household)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain import codes
from api.schemas.common import Input, Name, Phone

Relationship = codes.Relationship
Note = Annotated[str, StringConstraints(max_length=2000)]


class RelatedPersonCreate(Input):
    id: uuid.UUID | None = None
    name: Name | None = Field(default=None, description="Left out when unknown or not to be recorded")
    relationship: Relationship
    lives_in_household: bool = Field(default=False, description="In the same household (同一世帯) as the client")
    phone: Phone | None = None
    note: Note | None = None
    linked_client_id: uuid.UUID | None = Field(
        default=None, description="The related person's own client record; you must see both clients")


class RelatedPersonUpdate(Input):
    name: Name | None = None
    relationship: Relationship | None = None
    lives_in_household: bool | None = None
    phone: Phone | None = None
    note: Note | None = None


class RelatedPersonLinkSet(Input):
    linked_client_id: uuid.UUID = Field(description="The related person's own client record; you must see both")


class RelatedPersonRead(BaseModel):
    """`linked_client_id` is given only when the caller sees that client too; otherwise it is null,
    exactly as for a related person with no client record."""

    id: uuid.UUID
    client_id: uuid.UUID
    name: str | None
    relationship: str
    lives_in_household: bool
    phone: str | None
    note: str | None
    linked_client_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int

    model_config = ConfigDict(from_attributes=True)
