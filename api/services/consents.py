"""Consent: versioned records of what a client agreed to share, with whom, for what, until when.
What a consent covers is api.domain.consent_rules; withdrawing one (and what that ends) is
api.services.consent_withdrawal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import Consent
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, id_taken
from api.schemas.clients import ConsentCreate
from api.services import clients as client_service
from api.services.guard import invisible, require


async def active_consents(session: AsyncSession, client_id: uuid.UUID) -> Sequence[Consent]:
    return (await session.scalars(
        select(Consent).where(Consent.client_id == client_id, Consent.withdrawn_on.is_(None))
        .order_by(Consent.sequence.desc())
    )).all()


async def record(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, body: ConsentCreate) -> Consent:
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.consent_record, resource_type="consent", client_id=client_id)
    if body.id is not None and await unit.session.get(Consent, body.id) is not None:
        raise id_taken()
    sequence = (await unit.session.scalar(
        select(func.coalesce(func.max(Consent.sequence), 0)).where(Consent.client_id == client_id))) or 0
    consent = Consent(
        id=body.id or uuid.uuid4(), client_id=client_id, sequence=sequence + 1,
        **body.model_dump(exclude={"id"}), recorded_by=principal.id,
    )
    unit.session.add(consent)
    await unit.session.flush()
    unit.audit("create", "consent", resource_id=consent.id, client_id=client_id)
    return consent


async def list_for_client(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> Sequence[Consent]:
    await client_service.get_visible(unit, principal, client_id)
    consents = (await unit.session.scalars(
        select(Consent).where(Consent.client_id == client_id).order_by(Consent.sequence))).all()
    unit.audit("read", "consent", client_id=client_id, subject="list")
    return consents


async def mark_withdrawn(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, consent_id: uuid.UUID,
                         withdrawn_on: date, reason: str, expected_version: int) -> Consent:
    """The consent record's part of a withdrawal (the client and the consent locked); what the
    withdrawal ends elsewhere is api.services.consent_withdrawal's to do."""
    await client_service.get_visible(unit, principal, client_id, for_update=True)
    consent = await unit.session.scalar(
        select(Consent).where(Consent.id == consent_id, Consent.client_id == client_id).with_for_update())
    if consent is None:
        raise await invisible(unit, "consent", consent_id)
    require(unit, principal, Action.consent_withdraw, resource_type="consent", resource_id=consent_id,
            client_id=client_id)
    check_version(consent.version, expected_version)
    if consent.withdrawn_on is not None:
        raise Problem("conflict", msg("consent.withdrawn"))
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_reason = reason
    await unit.session.flush()
    unit.audit("update", "consent", resource_id=consent.id, client_id=client_id, subject="withdraw")
    return consent
