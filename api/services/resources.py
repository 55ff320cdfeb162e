"""Use cases of the social-resource directory: search, read, list and edit services and
locations, and keep vacancies current with their history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.conventions import check_version
from api.db.models import (
    Agency,
    Branch,
    CapacityHistory,
    Location,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
)
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, On, sees_listing
from api.domain.kana import kana_sort_key
from api.domain.principal import Principal
from api.domain.resource_directory import ServiceStatus
from api.messages import msg
from api.pagination import Page, PageParams, cut, keyset, typed_cursor
from api.problems import id_taken, invalid_field, not_found
from api.schemas.resources import (
    AgencySummary,
    CapacityHistoryRead,
    CapacityRead,
    CapacityUpdate,
    CapacityWrite,
    LocationCreate,
    LocationRead,
    LocationUpdate,
    ScheduleRow,
    ServiceCreate,
    ServiceRead,
    ServiceUpdate,
)
from api.services import resource_queries as queries
from api.services.guard import invisible, require


@dataclass(frozen=True, slots=True)
class Near:
    lat: float
    lon: float


# ------------------------------------------------------------------------------- shaping ----


def location_read(location: Location) -> LocationRead:
    return LocationRead.model_validate(location, from_attributes=True)


def capacity_read(capacity: ServiceCapacity, *, signed_in: bool) -> CapacityRead:
    return CapacityRead(
        unit=capacity.unit, maximum=capacity.maximum, available=capacity.available, waitlist=capacity.waitlist,
        note=capacity.note, updated_at=capacity.updated_at,
        updated_by=capacity.updated_by_name if signed_in else None, version=capacity.version,
    )


def service_read(service: Service, agency: Agency, *, signed_in: bool, distance: float | None = None) -> ServiceRead:
    capacity = service.capacity
    return ServiceRead(
        id=service.id,
        agency=AgencySummary.model_validate(agency, from_attributes=True),
        name_ja=service.name_ja, name_kana=service.name_kana, name_en=service.name_en, category=service.category,
        description=service.description, eligibility=service.eligibility, min_age=service.min_age,
        max_age=service.max_age, cost=service.cost, languages=list(service.languages),
        schedule=[ScheduleRow.model_validate(row) for row in service.schedule],
        phone=service.phone, email=service.email, url=service.url,
        application_process=service.application_process, status=service.status, closing_on=service.closing_on,
        locations=[location_read(loc) for loc in service.locations],
        capacity=capacity_read(capacity, signed_in=signed_in) if capacity else None,
        has_vacancy=service.status == ServiceStatus.ACTIVE and capacity is not None and capacity.available > 0,
        distance_km=None if distance is None or distance >= _NO_DISTANCE_KM else round(distance, 3),
        created_at=service.created_at, updated_at=service.updated_at, version=service.version,
    )


async def shape(unit: RequestUnit, principal: Principal | None, service: Service) -> ServiceRead:
    agency = await unit.session.get(Agency, service.agency_id)
    assert agency is not None
    return service_read(service, agency, signed_in=principal is not None)


# -------------------------------------------------------------------------------- search ----


async def search(unit: RequestUnit, principal: Principal | None, filters: queries.ServiceFilters, near: Near | None,
                 page: PageParams) -> Page[ServiceRead]:
    """Kana order (50音順) by default; nearest first when `near` is given. Both are keyset pages:
    the distance to a fixed point is a deterministic column, so (distance, id) is a stable key."""
    stmt = queries.apply_filters(queries.readable_services(principal), filters)
    order: list[Any]
    cursor_types: tuple[type, ...]
    if near is not None:
        distance = _distance_km(near.lat, near.lon)
        order, cursor_types = [distance, Service.id], (float, uuid.UUID)
    else:
        order, cursor_types = [Service.sort_key, Service.id], (str, uuid.UUID)
    params = typed_cursor(page, cursor_types)
    stmt = queries.with_details(keyset(stmt.add_columns(order[0]), order, params))
    rows = (await unit.session.execute(stmt)).all()
    items, next_cursor = cut(rows, params, key=lambda row: [row[1], str(row[0].id)])
    agencies = await queries.agencies_by_id(unit.session, {row[0].agency_id for row in items})
    signed_in = principal is not None
    return Page[ServiceRead](
        items=[
            service_read(row[0], agencies[row[0].agency_id], signed_in=signed_in,
                         distance=row[1] if near is not None else None)
            for row in items
        ],
        next_cursor=next_cursor,
    )


# ------------------------------------------------------------------------------ services ----


async def visible_service(unit: RequestUnit, principal: Principal | None, service_id: uuid.UUID,
                          *, fresh: bool = False) -> Service:
    service = await queries.get_service(unit.session, service_id, fresh=fresh)
    if service is None or not sees_listing(principal, service.status, service.agency_id):
        # A signed-in caller's miss is audited like every refusal; the public directory's
        # anonymous readers leave no trail to flood.
        raise not_found("what.service") if principal is None else await invisible(unit, "service", service_id)
    return service


async def _check_locations(unit: RequestUnit, agency_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    found = await queries.locations_by_id(unit.session, ids)
    for i, location_id in enumerate(ids):
        location = found.get(location_id)
        if location is None or location.agency_id != agency_id:
            raise invalid_field(f"location_ids.{i}", msg("resource.unknown_location"))


async def create_service(unit: RequestUnit, principal: Principal, body: ServiceCreate) -> Service:
    agency_id = body.agency_id or principal.agency_id
    require(unit, principal, Action.listing_edit, On(agency_id=agency_id), resource_type="service",
            resource_id=body.id)
    if await unit.session.get(Agency, agency_id) is None:
        raise invalid_field("agency_id", msg("field.unknown_reference", what=msg("what.agency")))
    if body.id is not None and await unit.session.get(Service, body.id) is not None:
        raise id_taken()
    await _check_locations(unit, agency_id, body.location_ids)
    data = body.model_dump(exclude={"id", "agency_id", "location_ids", "capacity", "schedule", "category", "status"})
    service = Service(
        id=body.id or uuid.uuid4(), agency_id=agency_id, sort_key=kana_sort_key(body.name_kana),
        category=body.category.value, status=body.status.value,
        schedule=[row.model_dump(mode="json") for row in body.schedule], **data,
    )
    unit.session.add(service)
    await unit.session.flush()
    await _set_locations(unit.session, service, body.location_ids)
    _record_capacity(unit, principal, service.id, body.capacity or CapacityWrite(), create=True)
    await unit.session.flush()
    unit.audit("create", "service", resource_id=service.id)
    return await visible_service(unit, principal, service.id, fresh=True)


async def update_service(unit: RequestUnit, principal: Principal, service_id: uuid.UUID, expected: int,
                         body: ServiceUpdate) -> Service:
    service = await visible_service(unit, principal, service_id)
    require(unit, principal, Action.listing_edit, On(agency_id=service.agency_id), resource_type="service",
            resource_id=service.id)
    check_version(service.version, expected)
    sent = body.model_fields_set
    for required in ("name_ja", "name_kana", "category", "status", "languages", "schedule"):
        if required in sent and getattr(body, required) is None:
            raise invalid_field(f"{required}", msg("field.cannot_be_null", field=required))
    min_age = body.min_age if "min_age" in sent else service.min_age
    max_age = body.max_age if "max_age" in sent else service.max_age
    if min_age is not None and max_age is not None and min_age > max_age:
        raise invalid_field("min_age", msg("resource.ages_reversed"))
    if body.location_ids is not None:
        await _check_locations(unit, service.agency_id, body.location_ids)
    changes = body.model_dump(include=sent - {"location_ids", "schedule"})
    if body.schedule is not None:
        changes["schedule"] = [row.model_dump(mode="json") for row in body.schedule]
    for name, value in changes.items():
        setattr(service, name, value)
    if body.name_kana is not None:
        service.sort_key = kana_sort_key(body.name_kana)
    if body.location_ids is not None:
        await _set_locations(unit.session, service, body.location_ids)
    # Linking a location alone still changes what the listing says: bump the version.
    service.updated_at = func.now()
    await unit.session.flush()
    unit.audit("update", "service", resource_id=service.id, detail={"fields": sorted(sent)})
    return await visible_service(unit, principal, service.id, fresh=True)


# ------------------------------------------------------------------------------ capacity ----


def _record_capacity(unit: RequestUnit, principal: Principal, service_id: uuid.UUID, values: CapacityWrite,
                     *, create: bool, capacity: ServiceCapacity | None = None) -> ServiceCapacity:
    if values.maximum is not None and values.available > values.maximum:
        raise invalid_field("available", msg("resource.available_above_max"))
    fields = values.model_dump()
    who = {"updated_by_id": principal.id, "updated_by_kind": principal.kind, "updated_by_name": principal.name}
    if create:
        capacity = ServiceCapacity(service_id=service_id, **fields, **who)
        unit.session.add(capacity)
    else:
        assert capacity is not None
        for name, value in {**fields, **who}.items():
            setattr(capacity, name, value)
        # A report of unchanged numbers is still news: it says they are current.
        capacity.updated_at = func.now()
    unit.session.add(CapacityHistory(
        service_id=service_id, **fields, changed_by_id=principal.id, changed_by_kind=principal.kind,
        changed_by_name=principal.name, changed_by_role=principal.role.value,
        changed_by_agency_id=principal.agency_id,
    ))
    return capacity


async def _capacity_of(unit: RequestUnit, principal: Principal | None, service_id: uuid.UUID) -> ServiceCapacity:
    service = await visible_service(unit, principal, service_id)
    if service.capacity is None:
        raise not_found("what.capacity")
    return service.capacity


async def read_capacity(unit: RequestUnit, principal: Principal | None, service_id: uuid.UUID) -> ServiceCapacity:
    return await _capacity_of(unit, principal, service_id)


async def update_capacity(unit: RequestUnit, principal: Principal, service_id: uuid.UUID, expected: int,
                          body: CapacityUpdate) -> ServiceCapacity:
    service = await visible_service(unit, principal, service_id)
    # The directory is public, so the record is visible: a refused update is 403, not 404.
    require(unit, principal, Action.capacity_edit, On(agency_id=service.agency_id), resource_type="service_capacity",
            resource_id=service.id)
    capacity = service.capacity
    if capacity is None:
        raise not_found("what.capacity")
    check_version(capacity.version, expected)
    current = CapacityWrite.model_validate({"unit": capacity.unit, "maximum": capacity.maximum,
                                            "available": capacity.available, "waitlist": capacity.waitlist,
                                            "note": capacity.note})
    merged = current.model_copy(update=body.model_dump(include=body.model_fields_set))
    for field in ("unit", "available", "waitlist"):
        if getattr(merged, field) is None:
            raise invalid_field(f"{field}", msg("field.cannot_be_null", field=field))
    _record_capacity(unit, principal, service.id, merged, create=False, capacity=capacity)
    await unit.session.flush()
    unit.audit("update", "service_capacity", resource_id=service.id,
               detail={"available": merged.available, "waitlist": merged.waitlist, "maximum": merged.maximum})
    await unit.session.refresh(capacity)
    return capacity


async def capacity_history(unit: RequestUnit, principal: Principal, service_id: uuid.UUID,
                           page: PageParams) -> Page[CapacityHistoryRead]:
    """Newest first. Who changed what is for the people who keep the numbers, not for everyone."""
    service = await visible_service(unit, principal, service_id)
    require(unit, principal, Action.capacity_edit, On(agency_id=service.agency_id), resource_type="service_capacity",
            resource_id=service.id)
    stmt = _capacity_history(service.id)
    if page.updated_since is not None:
        stmt = stmt.where(CapacityHistory.at > page.updated_since)
    params = typed_cursor(page, (int,))
    rows = list(await unit.session.scalars(keyset(stmt, [-CapacityHistory.seq], params)))
    items, next_cursor = cut(rows, params, key=lambda row: [-row.seq])
    return Page[CapacityHistoryRead](
        items=[CapacityHistoryRead(at=r.at, unit=r.unit, maximum=r.maximum, available=r.available,
                                   waitlist=r.waitlist, note=r.note, changed_by=r.changed_by_name,
                                   changed_by_role=r.changed_by_role) for r in items],
        next_cursor=next_cursor,
    )


# ----------------------------------------------------------------------------- locations ----


async def read_location(unit: RequestUnit, location_id: uuid.UUID, *, fresh: bool = False) -> Location:
    location = await _get_location(unit.session, location_id, fresh=fresh)
    if location is None:
        raise not_found("what.location")
    return location


async def create_location(unit: RequestUnit, principal: Principal, body: LocationCreate) -> Location:
    agency_id = body.agency_id or principal.agency_id
    require(unit, principal, Action.listing_edit, On(agency_id=agency_id), resource_type="location",
            resource_id=body.id)
    if await unit.session.get(Agency, agency_id) is None:
        raise invalid_field("agency_id", msg("field.unknown_reference", what=msg("what.agency")))
    if not await _branch_exists(unit.session, body.branch_code):
        raise invalid_field("branch_code", msg("field.unknown_reference", what=msg("what.branch_area")))
    if body.id is not None and await unit.session.get(Location, body.id) is not None:
        raise id_taken()
    location = Location(**body.model_dump(exclude={"id", "agency_id"}), id=body.id or uuid.uuid4(),
                        agency_id=agency_id)
    unit.session.add(location)
    await unit.session.flush()
    unit.audit("create", "location", resource_id=location.id)
    return await read_location(unit, location.id, fresh=True)


async def update_location(unit: RequestUnit, principal: Principal, location_id: uuid.UUID, expected: int,
                          body: LocationUpdate) -> Location:
    location = await read_location(unit, location_id)
    require(unit, principal, Action.listing_edit, On(agency_id=location.agency_id), resource_type="location",
            resource_id=location.id)
    check_version(location.version, expected)
    sent = body.model_fields_set
    for required in ("name", "address", "branch_code"):
        if required in sent and getattr(body, required) is None:
            raise invalid_field(f"{required}", msg("field.cannot_be_null", field=required))
    if body.branch_code is not None and not await _branch_exists(unit.session, body.branch_code):
        raise invalid_field("branch_code", msg("field.unknown_reference", what=msg("what.branch_area")))
    lat = body.latitude if "latitude" in sent else location.latitude
    lon = body.longitude if "longitude" in sent else location.longitude
    if (lat is None) != (lon is None):
        raise invalid_field("latitude", msg("resource.lat_lon_together"))
    for name, value in body.model_dump(include=sent).items():
        setattr(location, name, value)
    location.updated_at = func.now()
    await unit.session.flush()
    unit.audit("update", "location", resource_id=location.id, detail={"fields": sorted(sent)})
    return await read_location(unit, location.id, fresh=True)


_EARTH_RADIUS_KM = 6371.0088


# Services without coordinates sort after every real distance (and keep a comparable cursor).
_NO_DISTANCE_KM = 1.0e9


def _distance_km(lat: float, lon: float) -> ColumnElement[float]:
    """Haversine distance from (lat, lon) to the service's nearest location with coordinates."""
    dlat = func.radians(Location.latitude - lat)
    dlon = func.radians(Location.longitude - lon)
    a = func.power(func.sin(dlat / 2), 2) + func.cos(func.radians(lat)) * func.cos(
        func.radians(Location.latitude)
    ) * func.power(func.sin(dlon / 2), 2)
    km = 2 * _EARTH_RADIUS_KM * func.asin(func.sqrt(func.least(1.0, a)))
    nearest = (
        select(func.min(km))
        .where(ServiceAtLocation.service_id == Service.id, Location.id == ServiceAtLocation.location_id,
               Location.latitude.is_not(None))
        .scalar_subquery()
    )
    return func.coalesce(nearest, _NO_DISTANCE_KM)


async def _get_location(session: AsyncSession, location_id: uuid.UUID, *, fresh: bool = False) -> Location | None:
    stmt = select(Location).where(Location.id == location_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _branch_exists(session: AsyncSession, code: str) -> bool:
    return await session.get(Branch, code) is not None


async def _set_locations(session: AsyncSession, service: Service, location_ids: list[uuid.UUID]) -> None:
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


def _capacity_history(service_id: uuid.UUID) -> Select[CapacityHistory]:
    return select(CapacityHistory).where(CapacityHistory.service_id == service_id)
