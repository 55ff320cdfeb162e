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


class AuthServerMetadata(BaseModel):
    """RFC 8414 authorization server metadata."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    jwks_uri: str
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    code_challenge_methods_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    authorization_response_iss_parameter_supported: bool
    service_documentation: str
    ui_locales_supported: list[str]
