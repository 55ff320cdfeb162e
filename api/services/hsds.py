"""The directory as Open Referral HSDS 3.0: what another directory imports. Only publicly listed
services (and the organizations, locations and links behind them) appear, whoever asks."""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Agency,
    Branch,
    Location,
    Service,
    ServiceAtLocation,
)
from api.db.unit import RequestUnit
from api.domain.kana import normalize_kana
from api.domain.resource_directory import CATEGORY_LABELS, HSDS_STATUS, PUBLIC_STATUSES
from api.problems import not_found
from api.schemas.hsds import (
    HsdsAccessibility,
    HsdsAddress,
    HsdsAttribute,
    HsdsCostOption,
    HsdsLanguage,
    HsdsLocation,
    HsdsOrganization,
    HsdsPage,
    HsdsPhone,
    HsdsSchedule,
    HsdsService,
    HsdsServiceArea,
    HsdsServiceAtLocation,
    HsdsServiceCapacity,
    HsdsTaxonomyTerm,
)
from api.services import resource_queries as queries

T = TypeVar("T")
TAXONOMY = "setagaya-social-resource-category"
# Namespace for the ids of taxonomy terms, which belong to no service.
_TAXONOMY_NS = uuid.UUID("7c0f7d0e-5b8f-4d0c-9a55-2f1f3c6a0b11")
_LANGUAGE_NAMES = {"ja": "Japanese", "en": "English", "zh": "Chinese", "ko": "Korean"}


@dataclass(frozen=True, slots=True)
class Paging:
    page: int
    per_page: int
    search: str | None
    modified_after: datetime | None


def _derived(owner: uuid.UUID, what: str) -> uuid.UUID:
    return uuid.uuid5(owner, what)


async def _page(unit: RequestUnit, stmt: Select[Any], order: Sequence[Any], paging: Paging,
                shape: Callable[[list[Any]], Awaitable[list[Any]]]) -> HsdsPage[Any]:
    total = await _count(unit.session, stmt)
    rows = list(await unit.session.scalars(
        stmt.order_by(*order).offset((paging.page - 1) * paging.per_page).limit(paging.per_page)
    ))
    total_pages = math.ceil(total / paging.per_page)
    contents = await shape(rows) if rows else []
    return HsdsPage[Any](
        total_items=total, total_pages=total_pages, page_number=paging.page, size=len(contents),
        first_page=paging.page == 1, last_page=paging.page >= total_pages, empty=total == 0, contents=contents,
    )


# ------------------------------------------------------------------------------- mapping ----


def organization(agency: Agency) -> HsdsOrganization:
    return HsdsOrganization(id=agency.id, name=agency.name_ja, alternate_name=agency.name_en,
                            description=agency.name_en, parent_organization_id=agency.parent_id)


def location(loc: Location, branches: dict[str, Branch]) -> HsdsLocation:
    branch = branches.get(loc.branch_code)
    return HsdsLocation(
        id=loc.id, location_type="physical", organization_id=loc.agency_id, name=loc.name,
        description=f"{branch.name_ja} area" if branch else None, transportation=loc.transportation,
        latitude=loc.latitude, longitude=loc.longitude,
        addresses=[HsdsAddress(id=_derived(loc.id, "address"), location_id=loc.id, address_1=loc.address,
                               city="世田谷区", state_province="東京都", postal_code=loc.postal_code, country="JP",
                               address_type="physical")],
        accessibility=[HsdsAccessibility(id=_derived(loc.id, "accessibility"), location_id=loc.id,
                                         description=loc.accessibility)] if loc.accessibility else [],
    )


def _attribute(service: Service) -> HsdsAttribute:
    ja, en = CATEGORY_LABELS[service.category]
    term = HsdsTaxonomyTerm(id=uuid.uuid5(_TAXONOMY_NS, service.category), code=service.category, name=ja,
                            description=en, taxonomy=TAXONOMY, language="ja")
    return HsdsAttribute(id=_derived(service.id, "category"), link_id=service.id, link_type="service",
                         link_entity="service", value=service.category, taxonomy_term=term)


def _alert(service: Service) -> str | None:
    if service.closing_on is not None:
        return f"{service.closing_on.isoformat()} に廃止予定。新規の受け入れはありません。"
    return None


def service(svc: Service, agency: Agency, branches: dict[str, Branch], *, nested: bool) -> HsdsService:
    capacity = svc.capacity
    last_modified = max(svc.updated_at, capacity.updated_at) if capacity else svc.updated_at
    links = []
    for loc in svc.locations:
        links.append(HsdsServiceAtLocation(id=_derived(svc.id, f"at:{loc.id}"), service_id=svc.id,
                                           location_id=loc.id, description=None,
                                           location=location(loc, branches) if nested else None))
    areas = sorted({loc.branch_code for loc in svc.locations})
    return HsdsService(
        id=svc.id, organization_id=svc.agency_id, name=svc.name_ja, alternate_name=svc.name_en,
        description=svc.description, url=svc.url, email=svc.email, status=HSDS_STATUS[svc.status],
        application_process=svc.application_process, fees_description=svc.cost,
        eligibility_description=svc.eligibility, minimum_age=svc.min_age, maximum_age=svc.max_age,
        alert=_alert(svc), last_modified=last_modified,
        phones=[HsdsPhone(id=_derived(svc.id, "phone"), service_id=svc.id, number=svc.phone)] if svc.phone else [],
        schedules=[
            HsdsSchedule(id=_derived(svc.id, f"schedule:{i}"), service_id=svc.id, freq=row["freq"],
                         byday=row["byday"], opens_at=row.get("opens_at"), closes_at=row.get("closes_at"),
                         description=row.get("description"))
            for i, row in enumerate(svc.schedule)
        ],
        service_areas=[
            HsdsServiceArea(id=_derived(svc.id, f"area:{code}"), service_id=svc.id,
                            name=branches[code].name_ja if code in branches else code,
                            description=branches[code].name_en if code in branches else None)
            for code in areas
        ],
        service_at_locations=links,
        languages=[HsdsLanguage(id=_derived(svc.id, f"language:{code}"), service_id=svc.id,
                                name=_LANGUAGE_NAMES.get(code), code=code) for code in svc.languages],
        cost_options=[HsdsCostOption(id=_derived(svc.id, "cost"), service_id=svc.id, amount_description=svc.cost)]
        if svc.cost else [],
        attributes=[_attribute(svc)],
        capacities=[
            HsdsServiceCapacity(id=_derived(svc.id, "capacity"), service_id=svc.id, unit=capacity.unit,
                                available=capacity.available, maximum=capacity.maximum, description=capacity.note,
                                updated=capacity.updated_at)
        ] if capacity else [],
        organization=organization(agency) if nested else None,
    )


# ------------------------------------------------------------------------------ queries ----


async def services_page(unit: RequestUnit, paging: Paging) -> HsdsPage[HsdsService]:
    stmt = queries.readable_services(None)
    if paging.search:
        stmt = stmt.where(queries.text_search_clause(paging.search, normalize_kana(paging.search)))
    stmt = queries.apply_filters(stmt, queries.ServiceFilters(modified_after=paging.modified_after))
    stmt = queries.with_details(stmt)
    branches = await _branch_names(unit.session)

    async def shape(rows: list[Service]) -> list[HsdsService]:
        agencies = await queries.agencies_by_id(unit.session, {r.agency_id for r in rows})
        return [service(r, agencies[r.agency_id], branches, nested=False) for r in rows]

    return await _page(unit, stmt, [Service.sort_key, Service.id], paging, shape)


async def one_service(unit: RequestUnit, service_id: uuid.UUID) -> HsdsService:
    found = await queries.get_service(unit.session, service_id)
    if found is None or found.status not in PUBLIC_STATUSES:
        raise not_found("what.service")
    agency = await unit.session.get(Agency, found.agency_id)
    assert agency is not None
    return service(found, agency, await _branch_names(unit.session), nested=True)


async def organizations_page(unit: RequestUnit, paging: Paging) -> HsdsPage[HsdsOrganization]:
    stmt = _public_organizations()
    if paging.search:
        stmt = stmt.where(or_(Agency.name_ja.contains(paging.search, autoescape=True),
                              Agency.name_en.icontains(paging.search, autoescape=True)))
    if paging.modified_after:
        stmt = stmt.where(Agency.updated_at > paging.modified_after)

    async def shape(rows: list[Agency]) -> list[HsdsOrganization]:
        return [organization(a) for a in rows]

    return await _page(unit, stmt, [Agency.name_ja, Agency.id], paging, shape)


async def locations_page(unit: RequestUnit, paging: Paging) -> HsdsPage[HsdsLocation]:
    stmt = _public_locations()
    if paging.search:
        stmt = stmt.where(or_(Location.name.contains(paging.search, autoescape=True),
                              Location.address.contains(paging.search, autoescape=True)))
    if paging.modified_after:
        stmt = stmt.where(Location.updated_at > paging.modified_after)
    branches = await _branch_names(unit.session)

    async def shape(rows: list[Location]) -> list[HsdsLocation]:
        return [location(r, branches) for r in rows]

    return await _page(unit, stmt, [Location.name, Location.id], paging, shape)


async def links_page(unit: RequestUnit, paging: Paging) -> HsdsPage[HsdsServiceAtLocation]:
    stmt = _public_links()
    if paging.search:
        stmt = stmt.where(queries.text_search_clause(paging.search, normalize_kana(paging.search)))
    if paging.modified_after:
        stmt = stmt.where(ServiceAtLocation.created_at > paging.modified_after)
    branches = await _branch_names(unit.session)

    async def shape(rows: list[ServiceAtLocation]) -> list[HsdsServiceAtLocation]:
        locations = await queries.locations_by_id(unit.session, {r.location_id for r in rows})
        return [
            HsdsServiceAtLocation(id=_derived(r.service_id, f"at:{r.location_id}"), service_id=r.service_id,
                                  location_id=r.location_id, description=r.description,
                                  location=location(locations[r.location_id], branches))
            for r in rows
        ]

    return await _page(unit, stmt, [ServiceAtLocation.service_id, ServiceAtLocation.location_id], paging, shape)


async def _count(session: AsyncSession, stmt: Select[Any]) -> int:
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return int(total or 0)


async def _branch_names(session: AsyncSession) -> dict[str, Branch]:
    return {b.code: b for b in await session.scalars(select(Branch))}


def _public_locations() -> Select[Location]:
    """Locations where at least one publicly listed service runs."""
    return select(Location).where(
        exists().where(
            ServiceAtLocation.location_id == Location.id,
            Service.id == ServiceAtLocation.service_id,
            Service.status.in_(PUBLIC_STATUSES),
        )
    )


def _public_links() -> Select[ServiceAtLocation]:
    return (
        select(ServiceAtLocation)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Service.status.in_(PUBLIC_STATUSES))
    )


def _public_organizations() -> Select[Agency]:
    return select(Agency).where(
        exists().where(Service.agency_id == Agency.id, Service.status.in_(PUBLIC_STATUSES))
    )
