"""The staff directory: who works where, and nothing else (no usernames, no account state)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class DirectoryAgency(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name_ja: str
    name_en: str
    type: str
    branch_code: str | None


class DirectoryUser(BaseModel):
    id: uuid.UUID
    display_name: str
    display_name_kana: str | None
    role: str
    agency_id: uuid.UUID
    agency_name_ja: str
    branch_codes: list[str]
