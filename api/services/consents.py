"""Consent: versioned records of what a client agreed to share, with whom, for what, until when.
Withdrawal acts in the same transaction: episodes that needed it close, referrals relying on it
are cancelled."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import Consent, Episode, EpisodeStatusChange, Programme
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, id_taken
from api.schemas.clients import ConsentCreate
from api.services import clients as client_service
from api.services.guard import invisible, require

# Areas that rely on consents (referrals) register what withdrawal must undo; each returns the
# ids it cancelled. Called inside the withdrawing transaction.
WithdrawalHook = Callable[[RequestUnit, Principal, Consent], Awaitable[list[uuid.UUID]]]
WITHDRAWAL_HOOKS: list[WithdrawalHook] = []


def status_of(consent: Consent, on: date) -> str:
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return "inactive"
    if consent.given_on > on:
        return "draft"
    if consent.expires_on is not None and consent.expires_on < on:
        return "inactive"
    return "active"


def covers(consent: Consent, on: date, *, purpose: str, agency_id: uuid.UUID | None = None,
           agency_type: str | None = None, programme_code: str | None = None,
           data_categories: Sequence[str] = ()) -> bool:
    if status_of(consent, on) != "active" or purpose not in consent.purposes:
        return False
    if any(c not in consent.data_categories for c in data_categories):
        return False
    return (
        (agency_id is not None and agency_id in consent.agency_ids)
        or (agency_type is not None and agency_type in consent.agency_types)
        or (programme_code is not None and programme_code in consent.programme_codes)
    )


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


async def withdraw(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, consent_id: uuid.UUID,
                   withdrawn_on: date | None, reason: str, expected_version: int,
                   ) -> tuple[Consent, list[uuid.UUID], list[uuid.UUID]]:
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
    today = today_tokyo()
    consent.withdrawn_on = withdrawn_on or today
    consent.withdrawal_reason = reason
    await unit.session.flush()
    unit.audit("update", "consent", resource_id=consent.id, client_id=client_id, subject="withdraw")
    closed = await _close_uncovered_episodes(unit, principal, client_id, today)
    cancelled: list[uuid.UUID] = []
    for hook in WITHDRAWAL_HOOKS:
        cancelled.extend(await hook(unit, principal, consent))
    return consent, closed, cancelled


async def _close_uncovered_episodes(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                                    today: date) -> list[uuid.UUID]:
    """The client's wish is always honoured: every open episode whose programme needs consent and
    that no remaining consent covers ends now, with reason client_withdrew."""
    session = unit.session
    remaining = [c for c in await active_consents(session, client_id) if status_of(c, today) == "active"]
    rows = (await session.execute(
        select(Episode, Programme).join(Programme, Programme.id == Episode.programme_id)
        .where(Episode.client_id == client_id, Episode.status.in_(["proposed", "active", "on_hold"]),
               Programme.consent_required.is_(True))
        .with_for_update(of=Episode)
    )).all()
    closed = []
    for episode, programme in rows:
        if any(covers(c, today, purpose="programme_enrolment", agency_id=episode.operating_agency_id,
                      programme_code=programme.code) for c in remaining):
            continue
        previous = episode.status
        if previous == "proposed":
            episode.status = "cancelled"
        else:
            episode.status = "finished"
            episode.ended_on = today
            episode.closure_reason = "client_withdrew"
            episode.living_situation_at_closure = "本人の同意撤回により終了 (consent withdrawn)"
        session.add(EpisodeStatusChange(
            episode_id=episode.id, action="cancel" if previous == "proposed" else "finish",
            from_status=previous, to_status=episode.status, reason="consent withdrawn",
            planned_end=episode.planned_end, by_principal=principal.id,
        ))
        unit.audit("transition", "episode", resource_id=episode.id, client_id=client_id,
                   detail={"from": previous, "to": episode.status, "cause": "consent withdrawn"})
        closed.append(episode.id)
    await session.flush()
    return closed
