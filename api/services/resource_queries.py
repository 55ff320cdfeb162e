"""The queries the resource directory (api.services.resources) and its HSDS export (api.services.hsds)
share. Visibility is decided in `readable_services` (the row scope of api.db.scopes), which the search,
the detail read and the export all start from. A query one module needs lives in that module."""

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

from api.db.models import Agency, Location, Service, ServiceAtLocation, ServiceCapacity
from api.db.scopes import services_visible_to
from api.domain.principal import Principal
from api.domain.resource_directory import ServiceStatus


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


def with_details(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(selectinload(Service.locations), selectinload(Service.capacity))


async def get_service(session: AsyncSession, service_id: uuid.UUID, *, fresh: bool = False) -> Service | None:
    stmt = with_details(select(Service).where(Service.id == service_id))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    found: Service | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


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


def text_search_clause(text: str, kana: str) -> ColumnElement[bool]:
    """HSDS `search`: a name match as in the directory search, or the words inside the name or description."""
    typed = text.strip()
    return or_(
        _name_clause(typed, kana),
        Service.name_ja.contains(typed, autoescape=True),
        Service.description.icontains(typed, autoescape=True),
    )
