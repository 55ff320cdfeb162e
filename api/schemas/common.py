"""Bounded building blocks for request and response models."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.messages import invalid

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[0-9+\-() ]{3,32}$")]


# C0 and C1 controls except tab and line breaks, and lone surrogates (JSON can carry "\ud800"):
# PostgreSQL refuses NUL in text, terminals obey escape sequences, UTF-8 cannot encode surrogates.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_forbidden_chars(value: Any) -> bool:
    if isinstance(value, str):
        return _FORBIDDEN_CHARS.search(value) is not None
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_forbidden_chars(v) for v in value)
    if isinstance(value, dict):
        return any(has_forbidden_chars(k) or has_forbidden_chars(v) for k, v in value.items())
    return False  # nested Input models check their own fields


def strip_forbidden_chars(value: str) -> str:
    return _FORBIDDEN_CHARS.sub("", value)


class Input(BaseModel):
    """Request bodies: unknown fields are refused (no mass assignment), strings are bounded and
    carry no control characters (tab and line breaks are allowed)."""

    model_config = ConfigDict(extra="forbid", str_max_length=10_000)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if has_forbidden_chars(value):
            raise invalid("input.control_character")
        return value


class Tombstone(BaseModel):
    """A record that was deactivated or left the caller's scope since `updated_since`."""

    id: uuid.UUID
    deleted: Literal[True] = True
    updated_at: datetime


class Label(BaseModel):
    code: str
    ja: str
    en: str
    group: str | None = None


class ReferenceList(BaseModel):
    name: str
    items: list[Label]


class ProgrammeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    name_ja: str
    name_en: str
    operating_agency_ids: list[uuid.UUID]
    default_duration_months: int
    consent_required: bool
    active: bool
    version: int


class ProgrammeCreate(Input):
    id: uuid.UUID | None = None
    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
    name_ja: Name
    name_en: Name
    operating_agency_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    default_duration_months: int = Field(default=12, ge=1, le=60)
    consent_required: bool = True


class ProgrammeUpdate(Input):
    name_ja: Name | None = None
    name_en: Name | None = None
    operating_agency_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)
    default_duration_months: int | None = Field(default=None, ge=1, le=60)
    consent_required: bool | None = None
    active: bool | None = None
