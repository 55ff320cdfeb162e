"""Support episodes: proposal, decisions and transitions, with their status history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import Agency, Consent, Decision, Episode, EpisodeStatusChange, Programme, UserAccount
from api.db.models.base import OPEN_END_SQL
from api.db.scopes import Binds, episodes_visible_sql, episodes_visible_to
from api.db.unit import RequestUnit
from api.domain import consent_rules
from api.domain.access_rules import Action, can
from api.domain.episode_transitions import (
    EPISODE_TRANSITIONS,
    OPEN_STATUSES,
    RUNNING_STATUSES,
    ActionFacts,
    ClosureReason,
    EpisodeAction,
    EpisodeStatus,
    missing_requirements,
    planned_end_for,
)
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.domain.transitions import IllegalTransition
from api.messages import msg
from api.pagination import PageParams, after_sql, cut, typed_cursor
from api.problems import Problem, field_error, id_taken, illegal_transition, invalid_field, invalid_fields
from api.schemas.episodes import EpisodeCreate, EpisodeRead, TransitionRequest
from api.services import clients as client_service
from api.services import consents as consent_service
from api.services.guard import invisible, require
from api.services.shaping import read_page

_ACTION_POLICY = {
    EpisodeAction.START: Action.episode_decide,
    EpisodeAction.EXTEND: Action.episode_decide,
    EpisodeAction.FINISH: Action.episode_decide,
    EpisodeAction.HOLD: Action.episode_hold,
    EpisodeAction.RESUME: Action.episode_hold,
    EpisodeAction.CANCEL: Action.episode_cancel,
}
_FAR_FUTURE = date(9999, 12, 31)


async def get_visible(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID, *,
                      for_update: bool = False) -> tuple[Episode, Programme]:
    stmt = (select(Episode, Programme).join(Programme, Programme.id == Episode.programme_id)
            .where(Episode.id == episode_id, episodes_visible_to(principal)))
    if for_update:
        stmt = stmt.with_for_update(of=Episode)
    row = (await unit.session.execute(stmt)).one_or_none()
    if row is None:
        raise await invisible(unit, "episode", episode_id)
    return row[0], row[1]


async def programme_by_code(session: AsyncSession, code: str) -> Programme:
    programme = await session.scalar(select(Programme).where(Programme.code == code))
    if programme is None or not programme.active:
        active = list((await session.scalars(select(Programme.code).where(Programme.active)
                                             .order_by(Programme.code))).all())
        unknown = msg("episode.unknown_programme", code=code, allowed=active)
        raise invalid_field("programme_code", unknown, "unknown")
    return programme


async def _operating_choices(session: AsyncSession, programme: Programme, key: str) -> Problem:
    """A 422 that needs a choice names the choices: the programme's operating agencies."""
    agencies = (await session.scalars(select(Agency).where(Agency.id.in_(programme.operating_agency_ids))
                                      .order_by(Agency.code))).all()
    choices = [{"id": str(a.id), "code": a.code, "name_ja": a.name_ja, "name_en": a.name_en} for a in agencies]
    listed = [f"{a.code} ({a.id})" for a in agencies]
    return invalid_field("operating_agency_id", msg(key, programme=programme.code, allowed=listed), "choose",
                         choices=choices)


async def propose(unit: RequestUnit, principal: Principal, body: EpisodeCreate) -> tuple[Episode, Programme]:
    client = await client_service.get_visible(unit, principal, body.client_id, for_update=True)
    require(unit, principal, Action.episode_propose, resource_type="episode", client_id=client.id)
    if not client.active:
        raise Problem("conflict", msg("client.deactivated"))
    session = unit.session
    programme = await programme_by_code(session, body.programme_code)
    operating = body.operating_agency_id
    if operating is None:
        if len(programme.operating_agency_ids) != 1:
            raise await _operating_choices(session, programme, "episode.choose_agency")
        operating = programme.operating_agency_ids[0]
    elif programme.operating_agency_ids and operating not in programme.operating_agency_ids:
        raise await _operating_choices(session, programme, "episode.agency_not_operating")
    if await session.get(Agency, operating) is None:
        raise invalid_field("operating_agency_id", msg("field.unknown_reference", what=msg("what.agency")), "unknown")
    if body.lead_worker_id is not None and await session.get(UserAccount, body.lead_worker_id) is None:
        raise Problem("validation", msg("episode.unknown_lead"))
    open_same = await session.scalar(select(Episode.id).where(
        Episode.client_id == client.id, Episode.programme_id == programme.id,
        Episode.status.in_(sorted(OPEN_STATUSES))))
    if open_same is not None:
        raise Problem("conflict", msg("episode.open_exists"),
                      existing_episode_id=str(open_same))
    if body.id is not None and await session.get(Episode, body.id) is not None:
        raise id_taken()
    episode = Episode(
        id=body.id or uuid.uuid4(), client_id=client.id, programme_id=programme.id, branch_code=client.branch_code,
        operating_agency_id=operating, lead_worker_id=body.lead_worker_id or principal.id,
        status=EpisodeStatus.PROPOSED, proposed_on=body.proposed_on or today_tokyo(), created_by=principal.id,
    )
    session.add(episode)
    await session.flush()
    session.add(EpisodeStatusChange(episode_id=episode.id, action="propose", from_status=None,
                                    to_status=EpisodeStatus.PROPOSED, by_principal=principal.id))
    await session.flush()
    unit.audit("create", "episode", resource_id=episode.id, client_id=client.id)
    return episode, programme


async def transition(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID, body: TransitionRequest,
                     expected_version: int) -> tuple[Episode, Programme]:
    episode, programme = await get_visible(unit, principal, episode_id, for_update=True)
    action = EpisodeAction(body.action)
    require(unit, principal, _ACTION_POLICY[action], resource_type="episode", resource_id=episode.id,
            client_id=episode.client_id)
    check_version(episode.version, expected_version)
    current = EpisodeStatus(episode.status)
    try:
        target = EPISODE_TRANSITIONS.target(current, action)
    except IllegalTransition as exc:
        # Named are the actions this caller may take now, as the referral's 409 does.
        allowed = [a for a in exc.allowed_actions if can(principal, _ACTION_POLICY[EpisodeAction(a)]) is None]
        raise illegal_transition(current.value, action.value, allowed) from exc
    today = today_tokyo()
    effective = body.effective_on or (body.decision.decided_on if body.decision else today)
    consent = None
    if action == EpisodeAction.START and programme.consent_required:
        agency = await unit.session.get(Agency, episode.operating_agency_id)
        consent = next((c for c in await consent_service.active_consents(unit.session, episode.client_id)
                        if consent_rules.covers(c, effective, purpose=consent_rules.ENROLMENT_PURPOSE,
                                                agency_id=episode.operating_agency_id,
                                                agency_type=agency.type if agency else None,
                                                programme_code=programme.code)), None)
        if consent is None:
            raise Problem("consent-missing",
                          msg("episode.consent_needed", programme=programme.code),
                          missing=["consent_covers_programme"])
    new_end = None
    if action == EpisodeAction.EXTEND and body.decision is not None:
        new_end = body.decision.planned_end
    facts = ActionFacts(
        has_decision=body.decision is not None,
        consent_covers_programme=consent is not None or not programme.consent_required,
        current_planned_end=episode.planned_end,
        new_planned_end=new_end,
        closure_reason=ClosureReason(body.closure_reason) if body.closure_reason else None,
        living_situation=body.living_situation,
        reason=body.reason,
    )
    missing = missing_requirements(action, facts)
    if missing:
        names = {"has_decision": "decision", "new_planned_end": "decision.planned_end"}
        fields = [names.get(m, m) for m in missing]
        raise invalid_fields(msg("episode.needs", action=action.value, fields=fields),
                             [field_error(names.get(m, m), msg("episode.later_end") if m == "new_planned_end"
                                          else msg("field.required"), "missing") for m in missing])
    decision = None
    if body.decision is not None:
        decision = Decision(episode_id=episode.id, action=action.value, recorded_by=principal.id,
                            **body.decision.model_dump(mode="json", exclude={"decided_on", "planned_end"}),
                            decided_on=body.decision.decided_on, planned_end=body.decision.planned_end)
        unit.session.add(decision)
        await unit.session.flush()
    previous_end = episode.planned_end
    if action == EpisodeAction.START:
        if body.decision is not None and body.decision.planned_end is not None \
                and body.decision.planned_end < effective:
            raise invalid_field("decision.planned_end", msg("episode.planned_end_before_start"), "before_start")
        episode.started_on = effective
        episode.planned_end = planned_end_for(effective, programme.default_duration_months,
                                              body.decision.planned_end if body.decision else None)
        episode.consent_id = consent.id if consent is not None else None
    elif action == EpisodeAction.EXTEND:
        episode.planned_end = new_end
    elif action == EpisodeAction.FINISH:
        episode.ended_on = effective
        episode.closure_reason = body.closure_reason
        episode.living_situation_at_closure = body.living_situation
    elif action == EpisodeAction.CANCEL:
        episode.ended_on = effective
    episode.status = target
    unit.session.add(EpisodeStatusChange(
        episode_id=episode.id, action=action.value, from_status=current, to_status=target,
        decision_id=decision.id if decision else None, reason=body.reason,
        previous_planned_end=previous_end, planned_end=episode.planned_end,
        readmission=body.readmission and action == EpisodeAction.HOLD, by_principal=principal.id,
    ))
    await unit.session.flush()
    unit.audit("transition", "episode", resource_id=episode.id, client_id=episode.client_id,
               detail={"action": action.value, "from": current.value, "to": target})
    return episode, programme


async def end_uncovered(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                        remaining: Sequence[Consent], today: date) -> list[uuid.UUID]:
    """After a withdrawal: every open episode of the client whose programme needs consent and that
    no *remaining* consent covers ends today, through EPISODE_TRANSITIONS like any other change
    (consent_rules decides which action). Returns the ids ended."""
    session = unit.session
    rows = (await session.execute(
        select(Episode, Programme).join(Programme, Programme.id == Episode.programme_id)
        .where(Episode.client_id == client_id, Episode.status.in_(sorted(OPEN_STATUSES)),
               Programme.consent_required.is_(True))
        .order_by(Episode.proposed_on, Episode.id)
        .with_for_update(of=Episode)
    )).all()
    ended = []
    for episode, programme in rows:
        if any(consent_rules.covers(c, today, purpose=consent_rules.ENROLMENT_PURPOSE,
                                    agency_id=episode.operating_agency_id, programme_code=programme.code)
               for c in remaining):
            continue
        current = EpisodeStatus(episode.status)
        action = consent_rules.episode_action_on_withdrawal(current)
        target = EPISODE_TRANSITIONS.target(current, action)
        episode.ended_on = today
        if action == EpisodeAction.FINISH:
            episode.closure_reason = consent_rules.EPISODE_CLOSURE_ON_WITHDRAWAL
            episode.living_situation_at_closure = consent_rules.LIVING_SITUATION_ON_WITHDRAWAL
        episode.status = target
        session.add(EpisodeStatusChange(
            episode_id=episode.id, action=action.value, from_status=current, to_status=target,
            reason=consent_rules.WITHDRAWAL_REASON, previous_planned_end=episode.planned_end,
            planned_end=episode.planned_end, by_principal=principal.id,
        ))
        unit.audit("transition", "episode", resource_id=episode.id, client_id=client_id,
                   detail={"action": action.value, "from": current.value, "to": target,
                           "cause": "consent withdrawn"})
        ended.append(episode.id)
    await session.flush()
    return ended


async def detail(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID
                 ) -> tuple[Episode, Programme, Sequence[EpisodeStatusChange], Sequence[Decision]]:
    episode, programme = await get_visible(unit, principal, episode_id)
    history = (await unit.session.scalars(
        select(EpisodeStatusChange).where(EpisodeStatusChange.episode_id == episode.id)
        .order_by(EpisodeStatusChange.at, EpisodeStatusChange.id))).all()
    decisions = (await unit.session.scalars(
        select(Decision).where(Decision.episode_id == episode.id).order_by(Decision.decided_on, Decision.id))).all()
    unit.audit("read", "episode", resource_id=episode.id, client_id=episode.client_id)
    return episode, programme, history, decisions


# The list's columns: EpisodeRead's stored fields, the programme's code joined, the derived ones
# (`overdue`, `allowed_actions`) added by `derived`.
_DERIVED = ("programme_code", "overdue", "allowed_actions")
_STORED = tuple(name for name in EpisodeRead.model_fields if name not in _DERIVED)
_LIST_COLUMNS = ", ".join([*(f"e.{name}" for name in _STORED), "p.code AS programme_code"])
_LIST_ORDER = f"coalesce(e.planned_end, {OPEN_END_SQL})"


def derived(status: str, planned_end: date | None, today: date) -> dict[str, Any]:
    """What an episode's read model computes rather than stores."""
    return {"overdue": status in RUNNING_STATUSES and planned_end is not None and planned_end < today,
            "allowed_actions": EPISODE_TRANSITIONS.allowed_actions(EpisodeStatus(status))}


def read_model(episode: Episode, programme: Programme | str) -> EpisodeRead:
    fields = {name: getattr(episode, name) for name in _STORED}
    code = programme if isinstance(programme, str) else programme.code
    return EpisodeRead(**fields, programme_code=code, **derived(episode.status, episode.planned_end, today_tokyo()))


async def list_visible(unit: RequestUnit, principal: Principal, page: PageParams, *, programme_code: str | None,
                       branch_code: str | None, status: str | None, lead_worker_id: uuid.UUID | None,
                       client_id: uuid.UUID | None, planned_end_within_days: int | None, overdue: bool | None,
                       ) -> tuple[list[EpisodeRead], str | None]:
    """A page of visible episodes, by planned end (open-ended last); with `updated_since`, by change.
    A hot read: one statement written as SQL on the driver connection, the scope as SQL text
    (`episodes_visible_sql`; tests/api/test_hot_reads.py holds it to the expression)."""
    require(unit, principal, Action.client_list, resource_type="episode")
    today = today_tokyo()
    bind = Binds()
    conditions = [episodes_visible_sql(principal, "e", bind)]
    if programme_code:
        conditions.append(f"p.code = {bind(programme_code, 'text')}")
    if branch_code:
        conditions.append(f"e.branch_code = {bind(branch_code, 'text')}")
    if status:
        conditions.append(f"e.status = {bind(status, 'text')}")
    if lead_worker_id:
        conditions.append(f"e.lead_worker_id = {bind(lead_worker_id, 'uuid')}")
    if client_id:
        conditions.append(f"e.client_id = {bind(client_id, 'uuid')}")
    if planned_end_within_days is not None or overdue is not None:
        running = bind(sorted(RUNNING_STATUSES), "text[]")
        day = bind(today, "date")
        if planned_end_within_days is not None:
            until = bind(today + timedelta(days=planned_end_within_days), "date")
            conditions.append(f"e.status = ANY({running}) AND e.planned_end >= {day} AND e.planned_end <= {until}")
        if overdue is not None:
            late = f"(e.status = ANY({running}) AND e.planned_end < {day})"
            conditions.append(late if overdue else f"NOT {late}")
    if page.updated_since is None:
        order, parse = _LIST_ORDER, date.fromisoformat

        def key(e: EpisodeRead) -> list[Any]:
            return [(e.planned_end or _FAR_FUTURE).isoformat(), str(e.id)]
    else:
        conditions.append(f"e.updated_at > {bind(page.updated_since, 'timestamptz')}")
        order, parse = "e.updated_at", datetime.fromisoformat

        def key(e: EpisodeRead) -> list[Any]:
            return [e.updated_at.isoformat(), str(e.id)]
    cursor = typed_cursor(page, [parse, uuid.UUID]).cursor
    if cursor is not None:
        conditions.append(after_sql(f"{order}, e.id", cursor, bind))
    sql = (f"SELECT {_LIST_COLUMNS} FROM episode e JOIN programme p ON p.id = e.programme_id "
           f"WHERE {' AND '.join(conditions)} ORDER BY {order}, e.id LIMIT {page.limit + 1}")
    rows = await (await unit.driver()).fetch(sql, *bind.values)
    items, next_cursor = cut(read_page(EpisodeRead, [{**r, **derived(r["status"], r["planned_end"], today)}
                                                     for r in rows]), page, key)
    for episode in items:
        unit.audit("read", "episode", resource_id=episode.id, client_id=episode.client_id, subject="list")
    return items, next_cursor


def is_overdue(episode: Episode, today: date | None = None) -> bool:
    day = today or today_tokyo()
    return episode.status in RUNNING_STATUSES and episode.planned_end is not None and episode.planned_end < day
