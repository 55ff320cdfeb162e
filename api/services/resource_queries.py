"""Queries of the social-resource directory. Visibility is decided in `readable_services`, which
the search, the detail read and the HSDS export all start from."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from api.db.models import Agency, Branch, CapacityHistory, Location, Service, ServiceAtLocation, ServiceCapacity
from api.db.scopes import services_visible_to
from api.domain.principal import Principal
from api.domain.resource_directory import PUBLIC_STATUSES, ServiceStatus

EARTH_RADIUS_KM = 6371.0088
# Services without coordinates sort after every real distance (and keep a comparable cursor).
NO_DISTANCE_KM = 1.0e9


@dataclass(frozen=True, slots=True)
class ServiceFilters:
    categories: Collection[str] | None = None
    branch_code: str | None = None
    has_vacancy: bool | None = None
    eligibility: str | None = None
    name: str | None = None  # as typed
    name_kana: str | None = None  # normalize_kana(name)
    updated_since: datetime | None = None
    modified_after: datetime | None = None


def readable_services(principal: Principal | None) -> Select[Service]:
    """The services `principal` may see (the rule: api.db.scopes.services_visible_to)."""
    return select(Service).where(services_visible_to(principal))


def vacancy_clause() -> ColumnElement[bool]:
    return and_(
        Service.status == ServiceStatus.ACTIVE.value,
        exists().where(ServiceCapacity.service_id == Service.id, ServiceCapacity.available > 0),
    )


def last_modified() -> ColumnElement[Any]:
    """A service changes when its listing or its capacity does (a vacancy is news to a consumer)."""
    capacity_at = (
        select(ServiceCapacity.updated_at).where(ServiceCapacity.service_id == Service.id).scalar_subquery()
    )
    return func.greatest(Service.updated_at, func.coalesce(capacity_at, Service.updated_at))


def _name_clause(name: str, kana: str) -> ColumnElement[bool]:
    compact = kana.replace(" ", "")
    typed = name.strip()
    return or_(
        Service.name_kana.startswith(kana, autoescape=True),
        Service.name_kana.contains(" " + kana, autoescape=True),
        func.replace(Service.name_kana, " ", "").startswith(compact, autoescape=True),
        Service.name_ja.startswith(typed, autoescape=True),
        Service.name_ja.contains(" " + typed, autoescape=True),
        func.lower(func.coalesce(Service.name_en, "")).startswith(typed.lower(), autoescape=True),
    )


def apply_filters(stmt: Select[Any], f: ServiceFilters) -> Select[Any]:
    if f.categories is not None:
        stmt = stmt.where(Service.category.in_(sorted(f.categories)))
    if f.branch_code is not None:
        stmt = stmt.where(
            exists().where(
                ServiceAtLocation.service_id == Service.id,
                Location.id == ServiceAtLocation.location_id,
                Location.branch_code == f.branch_code,
            )
        )
    if f.has_vacancy is not None:
        stmt = stmt.where(vacancy_clause() if f.has_vacancy else ~vacancy_clause())
    if f.eligibility:
        stmt = stmt.where(Service.eligibility.icontains(f.eligibility.strip(), autoescape=True))
    if f.name and f.name_kana is not None:
        stmt = stmt.where(_name_clause(f.name, f.name_kana))
    since = f.updated_since or f.modified_after
    if since is not None:
        stmt = stmt.where(last_modified() > since)
    return stmt


def distance_km(lat: float, lon: float) -> ColumnElement[float]:
    """Haversine distance from (lat, lon) to the service's nearest location with coordinates."""
    dlat = func.radians(Location.latitude - lat)
    dlon = func.radians(Location.longitude - lon)
    a = func.power(func.sin(dlat / 2), 2) + func.cos(func.radians(lat)) * func.cos(
        func.radians(Location.latitude)
    ) * func.power(func.sin(dlon / 2), 2)
    km = 2 * EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(1.0, a)))
    nearest = (
        select(func.min(km))
        .where(ServiceAtLocation.service_id == Service.id, Location.id == ServiceAtLocation.location_id,
               Location.latitude.is_not(None))
        .scalar_subquery()
    )
    return func.coalesce(nearest, NO_DISTANCE_KM)


def with_details(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(selectinload(Service.locations), selectinload(Service.capacity))


async def get_service(session: AsyncSession, service_id: uuid.UUID, *, fresh: bool = False) -> Service | None:
    stmt = with_details(select(Service).where(Service.id == service_id))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    found: Service | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def get_capacity(session: AsyncSession, service_id: uuid.UUID) -> ServiceCapacity | None:
    return await session.get(ServiceCapacity, service_id)


async def get_location(session: AsyncSession, location_id: uuid.UUID, *, fresh: bool = False) -> Location | None:
    stmt = select(Location).where(Location.id == location_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def locations_by_id(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Location]:
    if not ids:
        return {}
    rows = await session.scalars(select(Location).where(Location.id.in_(list(ids))))
    return {row.id: row for row in rows}


async def agencies_by_id(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Agency]:
    if not ids:
        return {}
    rows = await session.scalars(select(Agency).where(Agency.id.in_(list(ids))))
    return {row.id: row for row in rows}


async def branch_exists(session: AsyncSession, code: str) -> bool:
    return await session.get(Branch, code) is not None


async def set_locations(session: AsyncSession, service: Service, location_ids: list[uuid.UUID]) -> None:
    current = set(
        await session.scalars(select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id == service.id))
    )
    wanted = list(dict.fromkeys(location_ids))
    for link in await session.scalars(
        select(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id,
                                        ServiceAtLocation.location_id.not_in(wanted or [uuid.UUID(int=0)]))
    ):
        await session.delete(link)
    for location_id in wanted:
        if location_id not in current:
            session.add(ServiceAtLocation(service_id=service.id, location_id=location_id))


def capacity_history(service_id: uuid.UUID) -> Select[CapacityHistory]:
    return select(CapacityHistory).where(CapacityHistory.service_id == service_id)


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return int(total or 0)


def text_search_clause(text: str, kana: str) -> ColumnElement[bool]:
    """HSDS `search`: a name match as in the directory search, or the words inside the name or description."""
    typed = text.strip()
    return or_(
        _name_clause(typed, kana),
        Service.name_ja.contains(typed, autoescape=True),
        Service.description.icontains(typed, autoescape=True),
    )


async def branch_names(session: AsyncSession) -> dict[str, Branch]:
    return {b.code: b for b in await session.scalars(select(Branch))}


def public_locations() -> Select[Location]:
    """Locations where at least one publicly listed service runs."""
    return select(Location).where(
        exists().where(
            ServiceAtLocation.location_id == Location.id,
            Service.id == ServiceAtLocation.service_id,
            Service.status.in_(PUBLIC_STATUSES),
        )
    )


def public_links() -> Select[ServiceAtLocation]:
    return (
        select(ServiceAtLocation)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Service.status.in_(PUBLIC_STATUSES))
    )


def public_organizations() -> Select[Agency]:
    return select(Agency).where(
        exists().where(Service.agency_id == Agency.id, Service.status.in_(PUBLIC_STATUSES))
    )
