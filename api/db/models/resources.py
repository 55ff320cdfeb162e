"""The social-resource directory: services offered by agencies, the locations they run at, and
each service's capacity with its history. Shaped after Open Referral HSDS 3.0 (service,
location, service_at_location) and 3.1's service_capacity."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain.resource_directory import CAPACITY_UNITS, CATEGORIES, SERVICE_STATUSES


class Location(Versioned, Base):
    __tablename__ = "location"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_pair"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branch.code"), index=True)
    latitude: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float | None] = mapped_column(Double)
    accessibility: Mapped[str | None] = mapped_column(String(1000))
    transportation: Mapped[str | None] = mapped_column(String(1000))


class Service(Versioned, Base):
    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint(one_of("category", CATEGORIES), name="category"),
        CheckConstraint(one_of("status", SERVICE_STATUSES), name="status"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="ages"),
        Index("ix_service_sort_key_id", "sort_key", "id"),
    )
    # Stable: a referral will point at this id.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_kana: Mapped[str] = mapped_column(String(200))
    # kana_sort_key(name_kana), compared byte-wise: 50音順 by an index.
    sort_key: Mapped[str] = mapped_column(String(200, collation="C"))
    name_en: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str | None] = mapped_column(String(4000))
    eligibility: Mapped[str | None] = mapped_column(String(2000))
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    cost: Mapped[str | None] = mapped_column(String(1000))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(16)), server_default="{}")
    # A bounded list of HSDS-like schedule rows ({freq, byday, opens_at, closes_at, description}),
    # validated by the API schema; nothing queries inside it.
    schedule: Mapped[list[Any]] = mapped_column(server_default="[]")
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    url: Mapped[str | None] = mapped_column(String(500))
    application_process: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(32), server_default="active")
    # Announced closure (the metropolitan hostel): still listed, no new intake expected.
    closing_on: Mapped[date | None]

    locations: Mapped[list[Location]] = relationship(
        secondary="service_at_location", lazy="raise", order_by=Location.name
    )
    capacity: Mapped[ServiceCapacity | None] = relationship(lazy="raise", uselist=False)


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ServiceCapacity(Versioned, Base):
    """One row per service: what it can take now. Every change also lands in capacity_history."""

    __tablename__ = "service_capacity"
    __table_args__ = (
        CheckConstraint(one_of("unit", CAPACITY_UNITS), name="unit"),
        CheckConstraint("available >= 0 AND waitlist >= 0 AND (maximum IS NULL OR maximum >= 0)",
                        name="non_negative"),
        CheckConstraint("maximum IS NULL OR available <= maximum", name="available_within_maximum"),
    )
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(32))
    maximum: Mapped[int | None]
    available: Mapped[int]
    waitlist: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(500))
    updated_by_id: Mapped[uuid.UUID | None]
    updated_by_kind: Mapped[str | None] = mapped_column(String(16))
    updated_by_name: Mapped[str | None] = mapped_column(String(200))


class CapacityHistory(Base):
    __tablename__ = "capacity_history"
    __table_args__ = (Index("ix_capacity_history_service_id_seq", "service_id", "seq"),)
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    unit: Mapped[str] = mapped_column(String(32))
    maximum: Mapped[int | None]
    available: Mapped[int]
    waitlist: Mapped[int]
    note: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[uuid.UUID | None]
    changed_by_kind: Mapped[str] = mapped_column(String(16))
    changed_by_name: Mapped[str | None] = mapped_column(String(200))
    changed_by_role: Mapped[str | None] = mapped_column(String(32))
    changed_by_agency_id: Mapped[uuid.UUID | None]


__all__ = ["CapacityHistory", "Location", "Service", "ServiceAtLocation", "ServiceCapacity"]
