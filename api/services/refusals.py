"""A client's refusals of professions and agencies, and the check the care team and referrals ask."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from api.conventions import check_version
from api.db.models import Agency, ClientRefusal
from api.db.unit import RequestUnit
from api.domain import codes
from api.domain import refusals as rules
from api.domain.access_rules import Action
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.messages import Msg, Text, msg
from api.problems import Problem, id_taken, invalid_field
from api.schemas.refusals import RefusalCreate, RefusalRead
from api.services import clients as client_service
from api.services.guard import invisible, require

_ROLE_LABELS = {c.code: c for c in codes.TEAM_ROLES}
_SOURCE_LABELS = {c.code: c for c in codes.REFUSAL_SOURCES}


def read_model(refusal: ClientRefusal) -> RefusalRead:
    today = today_tokyo()
    fields = {k: getattr(refusal, k) for k in RefusalRead.model_fields if k != "active"}
    return RefusalRead(**fields, active=_facts(refusal).active_on(today))


def _facts(r: ClientRefusal) -> rules.Refusal:
    return rules.Refusal(id=r.id, team_role=r.team_role, agency_id=r.agency_id, refused_on=r.refused_on,
                         ended_on=r.ended_on)


async def list_for_client(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> Sequence[ClientRefusal]:
    await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.refusal_read, resource_type="refusal", client_id=client_id)
    unit.audit("read", "refusal", client_id=client_id, subject="list")
    return (await unit.session.scalars(select(ClientRefusal).where(ClientRefusal.client_id == client_id)
                                       .order_by(ClientRefusal.refused_on, ClientRefusal.id))).all()


async def record(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, body: RefusalCreate) -> ClientRefusal:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.refusal_record, resource_type="refusal", client_id=client_id)
    if body.agency_id is not None and await unit.session.get(Agency, body.agency_id) is None:
        raise invalid_field("agency_id", msg("refusal.unknown_agency"), "unknown")
    if body.id is not None and await unit.session.get(ClientRefusal, body.id) is not None:
        raise id_taken()
    refusal = ClientRefusal(id=body.id or uuid.uuid4(), client_id=client_id, team_role=body.team_role,
                            agency_id=body.agency_id, refused_on=body.refused_on, source=body.source,
                            source_detail=body.source_detail, note=body.note, recorded_by=principal.id)
    unit.session.add(refusal)
    await unit.session.flush()
    unit.audit("create", "refusal", resource_id=refusal.id, client_id=client_id)
    return refusal


async def end(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, refusal_id: uuid.UUID,
              ended_on: date | None, reason: str, expected_version: int) -> ClientRefusal:
    """The client no longer refuses (ended_on: the first day it no longer holds)."""
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    refusal = await unit.session.scalar(select(ClientRefusal).where(ClientRefusal.id == refusal_id,
                                                                    ClientRefusal.client_id == client_id))
    if refusal is None:
        raise await invisible(unit, "refusal", refusal_id, client_id=client_id)
    require(unit, principal, Action.refusal_record, resource_type="refusal", resource_id=refusal_id,
            client_id=client_id)
    check_version(refusal.version, expected_version)
    if refusal.ended_on is not None:
        raise Problem("conflict", msg("refusal.already_ended", ended_on=refusal.ended_on.isoformat()))
    day = ended_on or today_tokyo()
    if day < refusal.refused_on:
        raise Problem("validation", msg("refusal.ended_before", refused_on=refusal.refused_on.isoformat()))
    refusal.ended_on = day
    refusal.end_reason = reason
    await unit.session.flush()
    unit.audit("update", "refusal", resource_id=refusal.id, client_id=client_id, subject="end")
    return refusal


# ---- the check the care team and referrals ask ----

async def _of_client(unit: RequestUnit, client_id: uuid.UUID) -> list[ClientRefusal]:
    still = ClientRefusal.ended_on.is_(None) | (ClientRefusal.ended_on > today_tokyo())
    return list((await unit.session.scalars(select(ClientRefusal).where(ClientRefusal.client_id == client_id, still)
                                            .order_by(ClientRefusal.refused_on, ClientRefusal.id))).all())


async def _target(unit: RequestUnit, refusal: ClientRefusal) -> Msg:
    if refusal.team_role is not None:
        label = _ROLE_LABELS[refusal.team_role]
        return msg("refusal.target_role", role=Text(label.en, label.ja))
    agency = await unit.session.get(Agency, refusal.agency_id)
    assert agency is not None
    return msg("refusal.target_agency", agency=Text(agency.name_en or agency.name_ja, agency.name_ja))


async def _refuse_or_override(unit: RequestUnit, blocking: list[ClientRefusal], override_reason: str | None,
                              *, name_source: bool) -> dict[str, Any] | None:
    """409 naming the first refusal unless a reason to override is given; the audit detail if so."""
    if not blocking:
        return None
    if override_reason is None:
        first = blocking[0]
        target = await _target(unit, first)
        if name_source:
            source = _SOURCE_LABELS[first.source]
            detail = msg("refusal.recorded", target=target, refused_on=first.refused_on.isoformat(),
                         source=Text(source.en, source.ja))
            refusals = [{"id": str(r.id), "team_role": r.team_role,
                         "agency_id": None if r.agency_id is None else str(r.agency_id),
                         "refused_on": r.refused_on.isoformat(), "source": r.source} for r in blocking]
            raise Problem("conflict", detail, refusals=refusals)
        # A third party (a hospital sending onward) learns only that its own chosen recipient was refused.
        raise Problem("conflict", msg("refusal.recorded_agency", target=target))
    return {"refusal_override": {"refusal_ids": [str(r.id) for r in blocking], "reason": override_reason}}


async def check_member(unit: RequestUnit, client_id: uuid.UUID, roles: set[str], agency_id: uuid.UUID,
                       override_reason: str | None) -> dict[str, Any] | None:
    """Before a care-team member is added: None, the audit detail of an override, or a 409."""
    found = await _of_client(unit, client_id)
    blocking_ids = {r.id for r in rules.blocking_member([_facts(r) for r in found], today_tokyo(), roles, agency_id)}
    return await _refuse_or_override(unit, [r for r in found if r.id in blocking_ids], override_reason,
                                     name_source=True)


async def check_referral(unit: RequestUnit, client_id: uuid.UUID, agency_id: uuid.UUID, override_reason: str | None,
                         *, recorded_after: datetime | None = None, name_source: bool = True) -> dict[str, Any] | None:
    """Before a referral to `agency_id` is created or sent. At send, only refusals recorded since
    the draft was created count: the ones before were answered (or overridden) when it was drafted
    (`created_at` is the recording transaction's start, so an earlier request's refusal is older)."""
    found = [r for r in await _of_client(unit, client_id)
             if recorded_after is None or r.created_at >= recorded_after]
    blocking_ids = {r.id for r in rules.blocking_agency([_facts(r) for r in found], today_tokyo(), agency_id)}
    return await _refuse_or_override(unit, [r for r in found if r.id in blocking_ids], override_reason,
                                     name_source=name_source)
