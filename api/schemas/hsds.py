"""Open Referral HSDS 3.0 shapes: the field names other directories import. Response-only models.

Nested objects derived from a service's own columns (phones, schedules, languages, cost options)
get ids that are UUIDv5 of the service id, so they are as stable as the service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class HsdsPage(BaseModel, Generic[T]):
    """The HSDS paging envelope."""

    total_items: int
    total_pages: int
    page_number: int
    size: int = Field(description="Number of items in this page")
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[T]


class HsdsApiRoot(BaseModel):
    version: str
    profile: str
    openapi_url: str
    description: str


class HsdsTaxonomyTerm(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    taxonomy: str
    language: str


class HsdsAttribute(BaseModel):
    id: uuid.UUID
    link_id: uuid.UUID
    link_type: str
    link_entity: str
    value: str | None
    taxonomy_term: HsdsTaxonomyTerm


class HsdsPhone(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID | None = None
    number: str
    type: str = "voice"


class HsdsSchedule(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    freq: str
    byday: str
    opens_at: str | None
    closes_at: str | None
    description: str | None


class HsdsLanguage(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    name: str | None
    code: str


class HsdsCostOption(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    amount_description: str


class HsdsServiceArea(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    name: str
    description: str | None


class HsdsServiceCapacity(BaseModel):
    """HSDS 3.1 service_capacity (in development), offered ahead of it: what the service can take."""

    id: uuid.UUID
    service_id: uuid.UUID
    unit: str
    available: int
    maximum: int | None
    description: str | None
    updated: datetime


class HsdsAddress(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    address_1: str
    city: str
    state_province: str
    postal_code: str | None
    country: str
    address_type: str


class HsdsAccessibility(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    description: str


class HsdsLocation(BaseModel):
    id: uuid.UUID
    location_type: str
    organization_id: uuid.UUID
    name: str
    description: str | None
    transportation: str | None
    latitude: float | None
    longitude: float | None
    addresses: list[HsdsAddress]
    accessibility: list[HsdsAccessibility]


class HsdsServiceAtLocation(BaseModel):
    id: uuid.UUID
    service_id: uuid.UUID
    location_id: uuid.UUID
    description: str | None
    location: HsdsLocation | None = None


class HsdsOrganization(BaseModel):
    id: uuid.UUID
    name: str
    alternate_name: str | None
    description: str
    email: str | None = None
    website: str | None = None
    parent_organization_id: uuid.UUID | None


class HsdsService(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    alternate_name: str | None
    description: str | None
    url: str | None
    email: str | None
    status: str = Field(description="active | inactive | defunct | temporarily closed")
    interpretation_services: str | None = None
    application_process: str | None
    fees_description: str | None
    eligibility_description: str | None
    minimum_age: int | None
    maximum_age: int | None
    assured_date: date | None = None
    alert: str | None
    last_modified: datetime
    phones: list[HsdsPhone]
    schedules: list[HsdsSchedule]
    service_areas: list[HsdsServiceArea]
    service_at_locations: list[HsdsServiceAtLocation]
    languages: list[HsdsLanguage]
    contacts: list[dict[str, str]] = Field(default_factory=list)
    cost_options: list[HsdsCostOption]
    attributes: list[HsdsAttribute]
    capacities: list[HsdsServiceCapacity] = Field(description="HSDS 3.1 service_capacity")
    organization: HsdsOrganization | None = None
