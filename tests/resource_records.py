"""Directory records for tests: a service with one location and its capacity, built directly in
the test's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Location, Service, ServiceAtLocation, ServiceCapacity
from api.domain.kana import kana_sort_key, normalize_kana


@dataclass
class Made:
    service_id: uuid.UUID
    location_id: uuid.UUID


async def make_location(db: AsyncSession, agency_id: uuid.UUID, *, branch: str = "karasuyama",
                        lat: float | None = None, lon: float | None = None, name: str = "拠点") -> uuid.UUID:
    location = Location(id=uuid.uuid4(), agency_id=agency_id, name=name, address="東京都世田谷区（テスト）",
                        branch_code=branch, latitude=lat, longitude=lon)
    db.add(location)
    await db.flush()
    return location.id


async def make_service(
    db: AsyncSession,
    agency_id: uuid.UUID,
    *,
    name_ja: str = "テスト資源",
    name_kana: str = "テスト シゲン",
    category: str = "group_home",
    status: str = "active",
    branch: str = "karasuyama",
    available: int = 1,
    maximum: int | None = 6,
    lat: float | None = None,
    lon: float | None = None,
    eligibility: str | None = None,
) -> Made:
    location_id = await make_location(db, agency_id, branch=branch, lat=lat, lon=lon, name=name_ja)
    kana = normalize_kana(name_kana)
    service = Service(id=uuid.uuid4(), agency_id=agency_id, name_ja=name_ja, name_kana=kana,
                      sort_key=kana_sort_key(kana), category=category, status=status, languages=["ja"],
                      schedule=[], eligibility=eligibility)
    db.add(service)
    await db.flush()
    db.add(ServiceAtLocation(service_id=service.id, location_id=location_id))
    db.add(ServiceCapacity(service_id=service.id, unit="persons", maximum=maximum, available=available, waitlist=0))
    await db.flush()
    return Made(service_id=service.id, location_id=location_id)


@dataclass
class DirectoryRecords:
    """For the authorization matrix: the hospital's (the matrix partner's) own service and location,
    the group home's, and an inactive listing of the group home's."""

    own_service: uuid.UUID
    own_location: uuid.UUID
    other_service: uuid.UUID
    other_location: uuid.UUID
    inactive_service: uuid.UUID


async def build_directory(db: AsyncSession, agencies: dict[str, uuid.UUID]) -> DirectoryRecords:
    own = await make_service(db, agencies["hospital"], name_ja="はなみずき外来", name_kana="ハナミズキ ガイライ",
                             category="outpatient_clinic")
    other = await make_service(db, agencies["grouphome"], name_ja="つばめ荘", name_kana="ツバメソウ")
    inactive = await make_service(db, agencies["grouphome"], name_ja="旧つばめ荘", name_kana="キュウ ツバメソウ",
                                  status="inactive")
    return DirectoryRecords(own_service=own.service_id, own_location=own.location_id,
                            other_service=other.service_id, other_location=other.location_id,
                            inactive_service=inactive.service_id)
