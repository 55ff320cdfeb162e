"""Demo directory: the newsletter's social resources (api.demo.newsletter.SOCIAL_RESOURCES) as
services at locations, with their vacancies and a first history row.

Service and location ids are UUIDv5 of the resource codes, so they are the same on every demo
load (a referral seeded later, or a tester's bookmark, keeps pointing at the same service).
The addresses are fictional; the coordinates are the approximate centre of the real town each
address names, good enough for "nearest first"."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import CapacityHistory, Location, Service, ServiceAtLocation, ServiceCapacity
from api.demo import newsletter as nl
from api.domain.kana import kana_sort_key

NAMESPACE = uuid.UUID("4f1c2b7e-2d55-4a57-8d1a-5b0c3f9e6a21")

# The hostel's closure was only "heard of" at the July meeting; the end of FY2010 is assumed.
HOSTEL_CLOSING_ON = date(2011, 3, 31)

_TOWN_COORDINATES: dict[str, tuple[float, float]] = {
    "玉川台": (35.6215, 139.6275),
    "南烏山": (35.6690, 139.6010),
    "等々力": (35.6075, 139.6480),
    "砧": (35.6400, 139.6070),
    "太子堂": (35.6445, 139.6705),
    "北烏山": (35.6780, 139.5955),
    "給田": (35.6630, 139.5890),
    "若林": (35.6460, 139.6580),
    "上祖師谷": (35.6620, 139.5990),
    "上北沢": (35.6690, 139.6240),
}

_WEEKDAYS = [{"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "10:00:00", "closes_at": "16:00:00",
              "description": None}]
_BY_CATEGORY: dict[str, dict[str, Any]] = {
    "group_home": {"eligibility": "精神障害のある18歳以上の方（障害支援区分の認定または相談支援事業所を通じた相談）",
                   "cost": "家賃・食費・光熱水費の実費（家賃助成あり）", "schedule": []},
    "residential": {"eligibility": "精神障害のある18歳以上の方", "cost": "実費", "schedule": []},
    "trial_stay": {"eligibility": "退院を目指して入院中の方（担当ワーカーからの依頼による）",
                   "cost": "1泊 実費（食費）", "schedule": []},
    "employment_support": {"eligibility": "精神障害のある方。週1日からの通所可", "cost": "無料（昼食代実費）",
                           "schedule": _WEEKDAYS},
    "day_activity": {"eligibility": "どなたでも。予約不要", "cost": "無料", "schedule": _WEEKDAYS},
    "peer_support": {"eligibility": "精神障害のある方とその家族", "cost": "無料",
                     "schedule": [{"freq": "WEEKLY", "byday": "WE,SA", "opens_at": "13:00:00",
                                   "closes_at": "16:00:00", "description": None}]},
    "consultation_support": {"eligibility": "障害のある方とその家族。入院中からの相談可", "cost": "無料",
                             "schedule": [{"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00:00",
                                           "closes_at": "17:00:00", "description": None}]},
    "home_help": {"eligibility": "居宅介護の支給決定を受けた方", "cost": "障害福祉サービスの利用者負担（上限あり）",
                  "schedule": []},
    "outpatient_clinic": {"eligibility": "どなたでも（初診は予約制）", "cost": "医療保険・自立支援医療",
                          "schedule": [{"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR,SA", "opens_at": "09:00:00",
                                        "closes_at": "12:00:00", "description": "午前外来"}]},
}
_STATUS = {"open": "active", "closing": "active", "temporarily_closed": "temporarily_closed", "closed": "inactive"}


def service_id(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"service:{code}")


def _town(address: str) -> tuple[float, float] | None:
    for town, coordinates in _TOWN_COORDINATES.items():
        if f"世田谷区{town}" in address:
            return coordinates
    return None


async def seed(session: AsyncSession, refs: Any) -> None:
    services: dict[str, uuid.UUID] = {}
    locations: dict[tuple[str, str], uuid.UUID] = {}
    for resource in nl.SOCIAL_RESOURCES:
        agency_id = refs.agencies[resource.agency_code]
        place = (resource.agency_code, resource.address_ja)
        if place not in locations:
            coordinates = _town(resource.address_ja)
            location = Location(
                id=uuid.uuid5(NAMESPACE, f"location:{resource.agency_code}:{resource.address_ja}"),
                agency_id=agency_id, name=resource.name_ja, address=resource.address_ja,
                branch_code=resource.branch_code,
                latitude=coordinates[0] if coordinates else None, longitude=coordinates[1] if coordinates else None,
            )
            session.add(location)
            locations[place] = location.id
        extra = _BY_CATEGORY.get(resource.category, {"eligibility": None, "cost": None, "schedule": []})
        service = Service(
            id=service_id(resource.code), agency_id=agency_id, name_ja=resource.name_ja,
            name_kana=resource.name_kana, sort_key=kana_sort_key(resource.name_kana), name_en=resource.name_en,
            category=resource.category, description=resource.note_ja or None, eligibility=extra["eligibility"],
            min_age=18, cost=extra["cost"], languages=["ja"], schedule=extra["schedule"],
            status=_STATUS[resource.status],
            closing_on=HOSTEL_CLOSING_ON if resource.status == "closing" else None,
        )
        session.add(service)
        await session.flush()
        session.add(ServiceAtLocation(service_id=service.id, location_id=locations[place]))
        numbers = {"unit": resource.capacity_unit, "maximum": resource.capacity_maximum,
                   "available": resource.capacity_available, "waitlist": resource.waitlist}
        session.add(ServiceCapacity(service_id=service.id, **numbers, updated_by_kind="system",
                                    updated_by_name="demo data"))
        session.add(CapacityHistory(service_id=service.id, **numbers, changed_by_kind="system",
                                    changed_by_name="demo data", note=f"as of {nl.DEMO_AS_OF.isoformat()}"))
        services[resource.code] = service.id
    await session.flush()
    refs.extra["services"] = services

