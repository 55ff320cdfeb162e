"""The retention schedule: a client's record is erased in place RETENTION_YEARS_AFTER_CLOSE years
after its last support episode closed (or after deactivation, for a record that never had one).

Erasure keeps every row (statistics count them; third-party provision records and the audit trail
name them) and empties what identifies or describes the person: name and kana replaced, contact
details, notes, diagnoses' codes (the group stays), free text of decisions, goals, activities,
referrals and their messages, consent witnesses and correction values. `preview` is the dry run.

The records issue 18 added follow the same rule: related persons keep their relationship code and
lose name, phone and note, and every link between the erased record and another client record goes
(both directions: the other client's own record and its related persons stay as they are); refusals,
service uses and risk flags keep their codes and dates and lose their words; support-plan versions
keep their numbers, who was assigned and who acknowledged, and lose policy, goals' and tasks' words;
the intake converted into the client is erased like the record; advice requests about the client
lose subject, question, summary and answer (the turnaround statistics keep counting them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Activity,
    AdviceRequest,
    Client,
    ClientRefusal,
    Consent,
    CorrectionRequest,
    Decision,
    Episode,
    Goal,
    Intake,
    Referral,
    ReferralMessage,
    RelatedPerson,
    RelatedPersonLink,
    RiskFlag,
    ServiceUse,
    SupportPlan,
)
from api.db.scopes import clients_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.episode_transitions import OPEN_STATUSES
from api.domain.personal_data import ERASED_KANA, ERASED_NAME, coarse_birth_date, erasure_due_on
from api.domain.principal import Principal
from api.services.guard import require

_ERASED_TEXT = "（保存期間経過により消去）"


@dataclass(frozen=True, slots=True)
class Due:
    client_id: uuid.UUID
    last_closed_on: date | None
    deactivated_on: date | None
    due_on: date


async def due(session: AsyncSession, today: date, years: int, *, visible_to: Principal | None = None,
              limit: int | None = None) -> list[Due]:
    """Records due for erasure on *today*, oldest first."""
    open_count = func.count(Episode.id).filter(Episode.status.in_([str(s) for s in OPEN_STATUSES]))
    stmt = (select(Client.id, func.max(Episode.ended_on), func.date(Client.deactivated_at), open_count)
            .outerjoin(Episode, Episode.client_id == Client.id)
            .where(Client.erased_at.is_(None))
            .group_by(Client.id))
    if visible_to is not None:
        stmt = stmt.where(clients_visible_to(visible_to))
    out = []
    for client_id, last_closed, deactivated, open_episodes in (await session.execute(stmt)).all():
        if last_closed is None and deactivated is None:
            continue
        due_on = erasure_due_on(last_closed, deactivated, int(open_episodes), years)
        if due_on is not None and due_on <= today:
            out.append(Due(client_id, last_closed, deactivated, due_on))
    out.sort(key=lambda d: (d.due_on, str(d.client_id)))
    return out[:limit] if limit is not None else out


async def preview(unit: RequestUnit, principal: Principal, today: date, years: int) -> list[Due]:
    require(unit, principal, Action.retention_preview, resource_type="client")
    items = await due(unit.session, today, years, visible_to=principal)
    for item in items:
        unit.audit("read", "client", resource_id=item.client_id, client_id=item.client_id, subject="retention-due")
    return items


async def erase(session: AsyncSession, client_ids: Sequence[uuid.UUID], at: datetime | None = None) -> int:
    """Erase the records in place; the number erased. The caller commits (with its audit events)."""
    if not client_ids:
        return 0
    at = at or datetime.now(UTC)
    erased = 0
    for client in (await session.scalars(select(Client).where(Client.id.in_(client_ids),
                                                              Client.erased_at.is_(None)).with_for_update())):
        client.name, client.kana, client.kana_sort = ERASED_NAME, ERASED_KANA, ERASED_KANA
        client.date_of_birth = coarse_birth_date(client.date_of_birth)
        client.phone, client.notes, client.emergency_contacts = None, None, []
        client.diagnoses, client.residence_since = [], None
        client.deactivation_reason = None if client.deactivation_reason is None else _ERASED_TEXT
        client.active, client.erased_at = False, at
        client.deactivated_at = client.deactivated_at or at
        erased += 1
    ids = list(client_ids)
    episodes = select(Episode.id).where(Episode.client_id.in_(ids)).scalar_subquery()
    await session.execute(update(Decision).where(Decision.episode_id.in_(episodes)).values(
        decision=_ERASED_TEXT, notes=None, attendees=[]))
    await session.execute(update(Goal).where(Goal.episode_id.in_(episodes)).values(text=_ERASED_TEXT))
    await session.execute(update(Episode).where(Episode.client_id.in_(ids),
                                                Episode.living_situation_at_closure.is_not(None))
                          .values(living_situation_at_closure=_ERASED_TEXT))
    await session.execute(update(Activity).where(Activity.client_id.in_(ids)).values(
        note=None, next_step=None, participants=[]))
    await session.execute(update(Consent).where(Consent.client_id.in_(ids)).values(witness=None))
    await session.execute(update(Referral).where(Referral.client_id.in_(ids)).values(
        reason=_ERASED_TEXT, needs_summary=None, shared_snapshot={}))
    await session.execute(update(ReferralMessage).where(ReferralMessage.referral_id.in_(
        select(Referral.id).where(Referral.client_id.in_(ids)).scalar_subquery())).values(body=_ERASED_TEXT))
    await session.execute(update(CorrectionRequest).where(CorrectionRequest.client_id.in_(ids)).values(
        requested_value=None, old_value=None, new_value=None, reason=_ERASED_TEXT))
    await _erase_issue_18_records(session, ids)
    await session.flush()
    return erased


async def _erase_issue_18_records(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    """Related persons, refusals, service use, risk flags, support plans, intakes and advice requests.
    Every row changed gets a new version, so no cached copy is confirmed by its old ETag."""
    own_people = select(RelatedPerson.id).where(RelatedPerson.client_id.in_(ids)).scalar_subquery()
    await session.execute(delete(RelatedPersonLink).where(or_(RelatedPersonLink.related_person_id.in_(own_people),
                                                              RelatedPersonLink.linked_client_id.in_(ids))))
    await session.execute(update(RelatedPerson).where(RelatedPerson.client_id.in_(ids)).values(
        name=None, phone=None, note=None, version=RelatedPerson.version + 1))
    await session.execute(update(ClientRefusal).where(ClientRefusal.client_id.in_(ids)).values(
        source_detail=None, note=None, end_reason=_erased_if_set(ClientRefusal.end_reason),
        version=ClientRefusal.version + 1))
    await session.execute(update(ServiceUse).where(ServiceUse.client_id.in_(ids)).values(
        note=None, version=ServiceUse.version + 1))
    await session.execute(update(RiskFlag).where(RiskFlag.client_id.in_(ids)).values(
        note=None, resolution=_erased_if_set(RiskFlag.resolution), version=RiskFlag.version + 1))
    await session.execute(update(AdviceRequest).where(AdviceRequest.client_id.in_(ids)).values(
        subject=_ERASED_TEXT, question=_ERASED_TEXT, client_summary=None,
        answer=_erased_if_set(AdviceRequest.answer), version=AdviceRequest.version + 1))
    for plan in await session.scalars(select(SupportPlan).where(SupportPlan.client_id.in_(ids))):
        plan.policy = _ERASED_TEXT
        plan.goals = [_ERASED_TEXT for _ in plan.goals]
        plan.assignments = [{**a, "task": _ERASED_TEXT} for a in plan.assignments]
    for intake in await session.scalars(select(Intake).where(Intake.client_id.in_(ids))):
        intake.name, intake.kana, intake.description = ERASED_NAME, ERASED_KANA, None
        intake.birth_date = None if intake.birth_date is None else coarse_birth_date(intake.birth_date)
        intake.phone, intake.referrer_name = None, None
        intake.triage_note = None if intake.triage_note is None else _ERASED_TEXT


def _erased_if_set(column: Any) -> Any:
    return case((column.is_(None), None), else_=_ERASED_TEXT)


async def run(session: AsyncSession, today: date, years: int, *, apply: bool, batch: int = 500) -> list[Due]:
    """The scheduled run (`python -m api retention [--apply]`): what is due, and with *apply* erase it,
    one audit event per client ("erase", actor the service) in the same transaction. Commits."""
    items = await due(session, today, years)
    if not apply:
        return items
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        unit = RequestUnit(session=session, context={"request_id": f"retention-{today.isoformat()}",
                                                     "client_addr": None, "purpose": "retention"})
        unit.set_actor(kind="system", id=None, name="retention schedule", role=None, agency_id=None)
        await erase(session, [i.client_id for i in chunk])
        for item in chunk:
            unit.audit("erase", "client", resource_id=item.client_id, client_id=item.client_id,
                       detail={"due_on": item.due_on.isoformat(), "years_after_close": years})
        await unit.commit()
    return items
