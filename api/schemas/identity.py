"""Agencies, staff users and machine clients as the admin manages them. No password or secret
hash ever leaves the server; a machine client's secret is shown once, in the create and
rotate responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from api.domain.kana import is_valid_kana, normalize_kana
from api.domain.redirect_uris import why_not_registrable
from api.domain.roles import MACHINE_ROLES, AgencyType, Role
from api.messages import invalid
from api.schemas.common import Input

Code = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
BranchCode = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Name200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Argon2 hashes any length; the cap only keeps a hostile body from costing CPU.
Password = Annotated[str, StringConstraints(min_length=12, max_length=1024)]
Kana100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _reading(value: str | None) -> str | None:
    """Stored as full-width katakana whichever script it was typed in, so search and sort agree."""
    if value is None:
        return None
    kana = normalize_kana(value)
    if not is_valid_kana(kana):
        raise ValueError("display_name_kana must be written in katakana or hiragana")
    return kana


class _Patch(Input):
    """A partial update: only the fields sent change. `null` clears only the fields listed in
    `nullable`; for the others it is a 422, never a silent NOT NULL violation."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        bad = sorted(f for f in self.model_fields_set if getattr(self, f) is None and f not in self.nullable)
        if bad:
            raise invalid("identity.cannot_be_null", fields=", ".join(bad))
        if not self.model_fields_set:
            raise invalid("identity.send_something")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- agencies -------------------------------------------------------------------------------

class AgencyCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-supplied id (optional)")
    code: Code
    name_ja: Name200
    name_en: Name200
    type: AgencyType
    branch_code: BranchCode | None = None
    parent_id: uuid.UUID | None = None
    active: bool = True


class AgencyUpdate(_Patch):
    """`code` is immutable: partner systems and demo data refer to agencies by it."""

    nullable: ClassVar[frozenset[str]] = frozenset({"branch_code", "parent_id"})
    name_ja: Name200 | None = None
    name_en: Name200 | None = None
    type: AgencyType | None = None
    branch_code: BranchCode | None = None
    parent_id: uuid.UUID | None = None
    active: bool | None = Field(default=None, description="false deactivates: its users and clients cannot log in")


class AgencyRead(_Read):
    id: uuid.UUID
    code: str
    name_ja: str
    name_en: str
    type: str
    branch_code: str | None
    parent_id: uuid.UUID | None
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


# --- users ----------------------------------------------------------------------------------

class UserCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-supplied id (optional)")
    username: Username
    display_name: Name100
    display_name_kana: Kana100 | None = Field(default=None, description="Reading (フリガナ), any kana script")
    role: Role
    agency_id: uuid.UUID
    branch_codes: list[BranchCode] = Field(default_factory=list, max_length=10)
    password: Password
    active: bool = True

    _check_kana = field_validator("display_name_kana")(_reading)


class UserUpdate(_Patch):
    """The username is the login name and stays; the password changes only through the reset."""

    nullable: ClassVar[frozenset[str]] = frozenset({"display_name_kana"})
    display_name: Name100 | None = None
    display_name_kana: Kana100 | None = None
    role: Role | None = None
    agency_id: uuid.UUID | None = None
    branch_codes: list[BranchCode] | None = Field(default=None, max_length=10)
    active: bool | None = None

    _check_kana = field_validator("display_name_kana")(_reading)


class PasswordReset(Input):
    password: Password


class UserRead(_Read):
    id: uuid.UUID
    username: str
    display_name: str
    display_name_kana: str | None
    role: str
    agency_id: uuid.UUID
    branch_codes: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


# --- machine clients ------------------------------------------------------------------------

def _machine_role(role: Role | None) -> Role | None:
    if role is not None and role not in MACHINE_ROLES:
        raise invalid("identity.machine_role", roles=", ".join(sorted(MACHINE_ROLES)))
    return role


class ApiClientCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-supplied id (optional)")
    client_id: Code
    name: Name200
    role: Role = Field(description="partner or analyst")
    agency_id: uuid.UUID
    active: bool = True

    _role = field_validator("role")(_machine_role)


class ApiClientUpdate(_Patch):
    """Role and agency of a machine client are fixed: a different system gets a new client."""

    name: Name200 | None = None
    active: bool | None = None


class ApiClientRead(_Read):
    id: uuid.UUID
    client_id: str
    name: str
    role: str
    agency_id: uuid.UUID
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ApiClientWithSecret(ApiClientRead):
    client_secret: str | None = Field(
        description="Shown only in this response; store it now. Null in an Idempotency-Key replay: rotate it "
        "if it was lost."
    )


# --- OAuth clients: the web and mobile apps staff sign in through ----------------------------

RedirectUri = Annotated[str, StringConstraints(min_length=3, max_length=500)]


def _registrable(uris: list[str] | None) -> list[str] | None:
    if uris is None:
        return None
    for uri in uris:
        reason = why_not_registrable(uri)
        if reason is not None:
            raise invalid("identity.redirect_uri_refused", uri=uri, reason=reason)
    if len(set(uris)) != len(uris):
        raise invalid("identity.redirect_uri_twice")
    return uris


class OAuthClientCreate(Input):
    client_id: Code
    name: Name200
    client_type: Literal["public", "confidential"] = Field(
        description="public: a browser or native app, no secret (PKCE alone); confidential: a server-side app "
        "that also authenticates with a secret at the token endpoint")
    redirect_uris: list[RedirectUri] = Field(
        min_length=1, max_length=10,
        description="Exact URIs (https; http only on 127.0.0.1 or [::1], where any port is accepted at request "
        "time; or a reverse-domain private-use scheme such as jp.example.app:/callback)")
    active: bool = True

    _uris = field_validator("redirect_uris")(_registrable)


class OAuthClientUpdate(_Patch):
    """The type of a client is fixed: a different kind of app gets a new client."""

    name: Name200 | None = None
    redirect_uris: list[RedirectUri] | None = Field(default=None, min_length=1, max_length=10)
    active: bool | None = None

    _uris = field_validator("redirect_uris")(_registrable)


class OAuthClientRead(_Read):
    id: uuid.UUID
    client_id: str
    name: str
    client_type: str
    redirect_uris: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class OAuthClientWithSecret(OAuthClientRead):
    client_secret: str | None = Field(
        description="A confidential client's secret, shown only in this response; null for a public client and "
        "in an Idempotency-Key replay.")
