from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str | None = None


class AgencyRef(BaseModel):
    id: uuid.UUID
    code: str
    name_ja: str
    name_en: str
    type: str


class MeRead(BaseModel):
    id: uuid.UUID
    kind: str = Field(description="user or client (a partner system or script)")
    name: str
    role: str
    agency: AgencyRef
    branches: list[str]


class JWKSet(BaseModel):
    keys: list[dict[str, str]]
