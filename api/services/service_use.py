"""Services a client uses now, and the risk flags its care team keeps under review."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from api.conventions import check_version
from api.db.models import RiskFlag, Service, ServiceUse
from api.db.scopes import client_visible
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.messages import msg
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import Problem, id_taken, invalid_field
from api.schemas.service_use import (
    RiskFlagCreate,
    RiskFlagRead,
    RiskFlagUpdate,
    ServiceUseCreate,
    ServiceUseRead,
    ServiceUseUpdate,
)
from api.services import clients as client_service
from api.services.guard import invisible, require


def _invalid(field: str, key: str, **params: object) -> Problem:
    return invalid_field(field, msg(key, **params))


# ---- service use ----

def use_read(use: ServiceUse) -> ServiceUseRead:
    today = today_tokyo()
    fields = {k: getattr(use, k) for k in ServiceUseRead.model_fields if k != "current"}
    return ServiceUseRead(**fields, current=use.started_on <= today and (use.ended_on is None or use.ended_on >= today))


async def list_uses(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> Sequence[ServiceUse]:
    await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.service_use_read, resource_type="service_use", client_id=client_id)
    unit.audit("read", "service_use", client_id=client_id, subject="list")
    return (await unit.session.scalars(select(ServiceUse).where(ServiceUse.client_id == client_id)
                                       .order_by(ServiceUse.started_on, ServiceUse.id))).all()


async def record_use(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                     body: ServiceUseCreate) -> ServiceUse:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.service_use_write, resource_type="service_use", client_id=client_id)
    provider_agency_id = None
    if body.service_id is not None:
        service = await unit.session.get(Service, body.service_id)
        if service is None:
            raise _invalid("service_id", "service_use.unknown_service")
        provider_agency_id = service.agency_id
    elif body.provider_name is None:
        raise _invalid("provider_name", "service_use.provider_required")
    if body.id is not None and await unit.session.get(ServiceUse, body.id) is not None:
        raise id_taken()
    use = ServiceUse(id=body.id or uuid.uuid4(), client_id=client_id, kind=body.kind, service_id=body.service_id,
                     provider_agency_id=provider_agency_id, provider_name=body.provider_name,
                     started_on=body.started_on, ended_on=body.ended_on, days_per_week=body.days_per_week,
                     note=body.note, recorded_by=principal.id)
    unit.session.add(use)
    await unit.session.flush()
    unit.audit("create", "service_use", resource_id=use.id, client_id=client_id)
    return use


async def update_use(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, use_id: uuid.UUID,
                     body: ServiceUseUpdate, expected_version: int) -> ServiceUse:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    use = await unit.session.scalar(select(ServiceUse).where(ServiceUse.id == use_id,
                                                             ServiceUse.client_id == client_id))
    if use is None:
        raise await invisible(unit, "service_use", use_id, client_id=client_id)
    require(unit, principal, Action.service_use_write, resource_type="service_use", resource_id=use_id,
            client_id=client_id)
    check_version(use.version, expected_version)
    changes = body.model_dump(exclude_unset=True)
    ended = changes.get("ended_on", use.ended_on)
    if ended is not None and ended < use.started_on:
        raise _invalid("ended_on", "service_use.ended_before_started")
    for name, value in changes.items():
        setattr(use, name, value)
    await unit.session.flush()
    unit.audit("update", "service_use", resource_id=use.id, client_id=client_id)
    return use


# ---- risk flags ----

def flag_read(flag: RiskFlag, today: date | None = None) -> RiskFlagRead:
    day = today or today_tokyo()
    fields = {k: getattr(flag, k) for k in RiskFlagRead.model_fields if k != "review_due"}
    return RiskFlagRead(**fields, review_due=flag.resolved_on is None and flag.review_on <= day)


async def list_flags(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> Sequence[RiskFlag]:
    await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.risk_flag_read, resource_type="risk_flag", client_id=client_id)
    unit.audit("read", "risk_flag", client_id=client_id, subject="list")
    return (await unit.session.scalars(select(RiskFlag).where(RiskFlag.client_id == client_id)
                                       .order_by(RiskFlag.raised_on, RiskFlag.id))).all()


async def raise_flag(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, body: RiskFlagCreate) -> RiskFlag:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.risk_flag_write, resource_type="risk_flag", client_id=client_id)
    raised = body.raised_on or today_tokyo()
    if body.review_on < raised:
        raise _invalid("review_on", "risk_flag.review_before_raised", raised_on=raised.isoformat())
    if body.id is not None and await unit.session.get(RiskFlag, body.id) is not None:
        raise id_taken()
    flag = RiskFlag(id=body.id or uuid.uuid4(), client_id=client_id, code=body.code, note=body.note,
                    raised_on=raised, review_on=body.review_on, raised_by=principal.id)
    unit.session.add(flag)
    await unit.session.flush()
    unit.audit("create", "risk_flag", resource_id=flag.id, client_id=client_id)
    return flag


async def update_flag(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, flag_id: uuid.UUID,
                      body: RiskFlagUpdate, expected_version: int) -> RiskFlag:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    flag = await unit.session.scalar(select(RiskFlag).where(RiskFlag.id == flag_id, RiskFlag.client_id == client_id))
    if flag is None:
        raise await invisible(unit, "risk_flag", flag_id, client_id=client_id)
    require(unit, principal, Action.risk_flag_write, resource_type="risk_flag", resource_id=flag_id,
            client_id=client_id)
    check_version(flag.version, expected_version)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k == "note"}
    if changes.get("review_on", flag.review_on) < flag.raised_on:
        raise _invalid("review_on", "risk_flag.review_before_raised", raised_on=flag.raised_on.isoformat())
    resolved = changes.get("resolved_on")
    if resolved is not None and resolved < flag.raised_on:
        raise _invalid("resolved_on", "risk_flag.resolved_before_raised", raised_on=flag.raised_on.isoformat())
    for name, value in changes.items():
        setattr(flag, name, value)
    await unit.session.flush()
    unit.audit("update", "risk_flag", resource_id=flag.id, client_id=client_id)
    return flag


async def due_for_review(unit: RequestUnit, principal: Principal, page: PageParams,
                         on: date | None) -> tuple[list[RiskFlag], str | None, date]:
    """Open flags of clients the caller sees whose review date has come, oldest first."""
    require(unit, principal, Action.risk_flag_read, resource_type="risk_flag", subject="due")
    day = on or today_tokyo()
    page = typed_cursor(page, [date.fromisoformat, uuid.UUID])
    stmt = select(RiskFlag).where(RiskFlag.resolved_on.is_(None), RiskFlag.review_on <= day,
                                  client_visible(principal, RiskFlag.client_id))
    rows = list((await unit.session.scalars(keyset(stmt, [RiskFlag.review_on, RiskFlag.id], page))).all())
    flags, cursor = cut(rows, page, lambda f: [f.review_on, f.id])
    for flag in flags:
        unit.audit("read", "risk_flag", resource_id=flag.id, client_id=flag.client_id, subject="due")
    return flags, cursor, day
