"""Request and response models of the social-resource directory (`/v1/resources`, `/v1/locations`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from api.domain import codes
from api.domain.kana import is_valid_kana, normalize_kana
from api.domain.resource_directory import ServiceCategory, ServiceStatus
from api.messages import invalid
from api.schemas.common import Input

CapacityUnit = codes.CapacityUnit
Count = Annotated[int, Field(ge=0, le=100_000)]
Age = Annotated[int, Field(ge=0, le=150)]
LanguageCode = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]


def _kana(value: str | None) -> str | None:
    if value is None:
        return None
    if not is_valid_kana(value):
        raise invalid("resource.kana")
    return normalize_kana(value)


_DAY = r"[+-]?\d?(?:MO|TU|WE|TH|FR|SA|SU)"
_BYDAY = rf"^{_DAY}(?:,{_DAY})*$"


class ScheduleRow(Input):
    """One opening rule, after HSDS schedule (iCalendar RRULE fields)."""

    freq: Literal["WEEKLY", "MONTHLY"] = "WEEKLY"
    byday: str = Field(max_length=40, pattern=_BYDAY, description="Days, e.g. MO,TU,WE,TH,FR")
    opens_at: time | None = None
    closes_at: time | None = None
    description: str | None = Field(default=None, max_length=200)


class CapacityWrite(Input):
    unit: CapacityUnit = "persons"
    maximum: Count | None = None
    available: Count = 0
    waitlist: Count = 0
    note: str | None = Field(default=None, max_length=500)


class CapacityUpdate(Input):
    """Only the fields sent change. `available` above `maximum` is refused."""

    unit: CapacityUnit | None = None
    maximum: Count | None = None
    available: Count | None = None
    waitlist: Count | None = None
    note: str | None = Field(default=None, max_length=500)


class _ServiceFields(Input):
    name_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    eligibility: str | None = Field(default=None, max_length=2000)
    min_age: Age | None = None
    max_age: Age | None = None
    cost: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    url: str | None = Field(default=None, max_length=500)
    application_process: str | None = Field(default=None, max_length=2000)
    closing_on: date | None = Field(default=None, description="Announced closing date; no new intake expected")


class ServiceCreate(_ServiceFields):
    id: uuid.UUID | None = Field(default=None, description="Client-supplied id (optional); kept for ever")
    agency_id: uuid.UUID | None = Field(default=None, description="The provider; defaults to the caller's agency")
    name_ja: str = Field(min_length=1, max_length=200)
    name_kana: str = Field(min_length=1, max_length=200, description="Reading (フリガナ); stored as katakana")
    category: ServiceCategory
    languages: list[LanguageCode] = Field(default_factory=lambda: ["ja"], max_length=10)
    status: ServiceStatus = ServiceStatus.ACTIVE
    schedule: list[ScheduleRow] = Field(default_factory=list, max_length=14)
    location_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    capacity: CapacityWrite | None = None

    @field_validator("name_kana")
    @classmethod
    def _reading(cls, value: str) -> str | None:
        return _kana(value)

    @model_validator(mode="after")
    def _ages(self) -> ServiceCreate:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise invalid("resource.ages_reversed")
        return self


class ServiceUpdate(_ServiceFields):
    """Only the fields sent change; `location_ids`, when sent, replaces the set of locations."""

    name_ja: str | None = Field(default=None, min_length=1, max_length=200)
    name_kana: str | None = Field(default=None, min_length=1, max_length=200)
    category: ServiceCategory | None = None
    languages: list[LanguageCode] | None = Field(default=None, max_length=10)
    schedule: list[ScheduleRow] | None = Field(default=None, max_length=14)
    status: ServiceStatus | None = None
    location_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)

    @field_validator("name_kana")
    @classmethod
    def _reading(cls, value: str | None) -> str | None:
        return _kana(value)


class LocationCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-supplied id (optional)")
    agency_id: uuid.UUID | None = Field(default=None, description="Owner; defaults to the caller's agency")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=300)
    postal_code: str | None = Field(default=None, max_length=16)
    branch_code: str = Field(max_length=32, description="Branch area (総合支所) the address belongs to")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    accessibility: str | None = Field(default=None, max_length=1000)
    transportation: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _pair(self) -> LocationCreate:
        if (self.latitude is None) != (self.longitude is None):
            raise invalid("resource.lat_lon_together")
        return self


class LocationUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    postal_code: str | None = Field(default=None, max_length=16)
    branch_code: str | None = Field(default=None, max_length=32)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    accessibility: str | None = Field(default=None, max_length=1000)
    transportation: str | None = Field(default=None, max_length=1000)


class AgencySummary(BaseModel):
    id: uuid.UUID
    code: str
    name_ja: str
    name_en: str


class LocationRead(BaseModel):
    id: uuid.UUID
    agency_id: uuid.UUID
    name: str
    address: str
    postal_code: str | None
    branch_code: str
    latitude: float | None
    longitude: float | None
    accessibility: str | None
    transportation: str | None
    updated_at: datetime
    version: int = Field(description="Send as If-Match (quoted) to update")


class CapacityRead(BaseModel):
    unit: str
    maximum: int | None
    available: int
    waitlist: int
    note: str | None
    updated_at: datetime
    updated_by: str | None = Field(description="Who last changed it; shown to signed-in callers only")
    version: int = Field(description="Send as If-Match (quoted) to update the capacity")


class ServiceRead(BaseModel):
    id: uuid.UUID
    agency: AgencySummary
    name_ja: str
    name_kana: str
    name_en: str | None
    category: str
    description: str | None
    eligibility: str | None
    min_age: int | None
    max_age: int | None
    cost: str | None
    languages: list[str]
    schedule: list[ScheduleRow]
    phone: str | None
    email: str | None
    url: str | None
    application_process: str | None
    status: str
    closing_on: date | None
    locations: list[LocationRead]
    capacity: CapacityRead | None
    has_vacancy: bool = Field(description="Active and at least one place available")
    distance_km: float | None = Field(default=None, description="To the nearest location, when near_lat/near_lon "
                                                                "were given and the service has coordinates")
    created_at: datetime
    updated_at: datetime
    version: int


class CapacityHistoryRead(BaseModel):
    at: datetime
    unit: str
    maximum: int | None
    available: int
    waitlist: int
    note: str | None
    changed_by: str | None
    changed_by_role: str | None
