"""Issue 18, item 7: the support plan a client's care team shares (「ケースワーカーとの支援方針の共有が難しい」).

Versions are drafted and published through the episode they belong to, so the episode's scope
(api.db.scopes.episodes_visible_to) decides who sees them. A published version never changes;
acknowledgements are per version, so a new version starts with nobody having read it (its
publisher aside)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import CareTeamMember, Episode, SupportPlan, SupportPlanAcknowledgement, UserAccount
from api.db.scopes import on_care_team, support_plans_visible_to
from api.db.unit import RequestUnit
from api.domain import support_plans as rules
from api.domain.access_rules import Action
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.messages import msg
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import Problem, id_taken, invalid_field
from api.schemas.support_plans import (
    Assignment,
    AssignmentRead,
    PlanReader,
    PlanReaders,
    SupportPlanCreate,
    SupportPlanRead,
    SupportPlanUpdate,
)
from api.services import episodes as episode_service
from api.services.guard import invisible, require
from api.services.shaping import Shaped, shape

_CLOSED = ("finished", "cancelled")


@dataclass(frozen=True, slots=True)
class PlanSeen:
    """A version and what the read model adds about it for the caller."""

    plan: SupportPlan
    current: bool
    acknowledged_by_me: bool


def _current_number(episode_id: Any) -> Any:
    return (select(func.max(SupportPlan.number))
            .where(SupportPlan.episode_id == episode_id, SupportPlan.status == rules.PUBLISHED)
            .scalar_subquery())


async def _seen(unit: RequestUnit, principal: Principal, plans: list[SupportPlan]) -> list[PlanSeen]:
    return await seen_in(unit.session, principal, plans)


async def seen_in(session: AsyncSession, principal: Principal, plans: Sequence[SupportPlan]) -> list[PlanSeen]:
    """Each version with whether it is current and whether the caller has acknowledged it."""
    if not plans:
        return []
    ids = [p.id for p in plans]
    current: dict[uuid.UUID, bool] = dict((await session.execute(
        select(SupportPlan.id, SupportPlan.number == _current_number(SupportPlan.episode_id))
        .where(SupportPlan.id.in_(ids)))).all())
    mine = set(await session.scalars(select(SupportPlanAcknowledgement.plan_id).where(
        SupportPlanAcknowledgement.plan_id.in_(ids), SupportPlanAcknowledgement.user_id == principal.id)))
    return [PlanSeen(p, bool(current.get(p.id)), p.id in mine) for p in plans]


async def _visible(unit: RequestUnit, principal: Principal, plan_id: uuid.UUID, *,
                   for_update: bool = False) -> SupportPlan:
    stmt = select(SupportPlan).where(SupportPlan.id == plan_id, support_plans_visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update(of=SupportPlan)
    plan = await unit.session.scalar(stmt)
    if plan is None:
        raise await invisible(unit, "support_plan", plan_id)
    return plan


async def _check_assignees(unit: RequestUnit, client_id: uuid.UUID, assignments: list[Assignment]) -> None:
    named = {a.user_id for a in assignments if a.user_id is not None}
    if not named:
        return
    today = today_tokyo()
    members = set(await unit.session.scalars(select(CareTeamMember.user_id).where(
        CareTeamMember.client_id == client_id, CareTeamMember.user_id.in_(named), CareTeamMember.from_date <= today,
        (CareTeamMember.to_date.is_(None)) | (CareTeamMember.to_date >= today))))
    for index, assignment in enumerate(assignments):
        if assignment.user_id is not None and assignment.user_id not in members:
            message = msg("support_plan.assignee_not_on_team", user_id=str(assignment.user_id))
            raise invalid_field(f"assignments.{index}.user_id", message)


def _assignments(assignments: list[Assignment]) -> list[dict[str, Any]]:
    return [a.model_dump(mode="json") for a in assignments]


async def list_versions(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID, page: PageParams
                        ) -> tuple[list[PlanSeen], str | None]:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    stmt = select(SupportPlan).where(SupportPlan.episode_id == episode_id)
    rows = (await unit.session.scalars(keyset(stmt, [SupportPlan.number], typed_cursor(page, [int]),
                                              descending=True))).all()
    items, cursor = cut(rows, page, lambda p: [p.number])
    unit.audit("read", "support_plan", client_id=episode.client_id, subject="list")
    return await _seen(unit, principal, items), cursor


async def create(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID, body: SupportPlanCreate
                 ) -> PlanSeen:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id, for_update=True)
    require(unit, principal, Action.support_plan_write, resource_type="support_plan", client_id=episode.client_id)
    if episode.status in _CLOSED:
        raise Problem("conflict", msg("support_plan.episode_closed"))
    session = unit.session
    draft = await session.scalar(select(SupportPlan.number).where(
        SupportPlan.episode_id == episode_id, SupportPlan.status == rules.DRAFT))
    if draft is not None:
        raise Problem("conflict", msg("support_plan.draft_exists", number=draft))
    if body.id is not None and await session.get(SupportPlan, body.id) is not None:
        raise id_taken()
    await _check_assignees(unit, episode.client_id, body.assignments)
    number = (await session.scalar(select(func.max(SupportPlan.number)).where(
        SupportPlan.episode_id == episode_id)) or 0) + 1
    plan = SupportPlan(id=body.id or uuid.uuid4(), episode_id=episode_id, client_id=episode.client_id, number=number,
                       status=rules.DRAFT, policy=body.policy, goals=list(body.goals),
                       assignments=_assignments(body.assignments), created_by=principal.id)
    session.add(plan)
    await session.flush()
    unit.audit("create", "support_plan", resource_id=plan.id, client_id=episode.client_id)
    return (await _seen(unit, principal, [plan]))[0]


async def read(unit: RequestUnit, principal: Principal, plan_id: uuid.UUID) -> PlanSeen:
    plan = await _visible(unit, principal, plan_id)
    unit.audit("read", "support_plan", resource_id=plan.id, client_id=plan.client_id)
    return (await _seen(unit, principal, [plan]))[0]


async def update(unit: RequestUnit, principal: Principal, plan_id: uuid.UUID, body: SupportPlanUpdate,
                 expected: int) -> PlanSeen:
    plan = await _visible(unit, principal, plan_id, for_update=True)
    require(unit, principal, Action.support_plan_write, resource_type="support_plan", resource_id=plan.id,
            client_id=plan.client_id)
    check_version(plan.version, expected)
    if plan.status != rules.DRAFT:
        raise Problem("conflict", msg("support_plan.published", number=plan.number))
    if body.policy is not None:
        plan.policy = body.policy
    if body.goals is not None:
        plan.goals = list(body.goals)
    if body.assignments is not None:
        await _check_assignees(unit, plan.client_id, body.assignments)
        plan.assignments = _assignments(body.assignments)
    await unit.session.flush()
    unit.audit("update", "support_plan", resource_id=plan.id, client_id=plan.client_id)
    return (await _seen(unit, principal, [plan]))[0]


async def publish(unit: RequestUnit, principal: Principal, plan_id: uuid.UUID, expected: int) -> PlanSeen:
    plan = await _visible(unit, principal, plan_id, for_update=True)
    require(unit, principal, Action.support_plan_write, resource_type="support_plan", resource_id=plan.id,
            client_id=plan.client_id)
    check_version(plan.version, expected)
    if plan.status != rules.DRAFT:
        raise Problem("conflict", msg("support_plan.published", number=plan.number))
    episode = await unit.session.get(Episode, plan.episode_id)
    if episode is not None and episode.status in _CLOSED:
        raise Problem("conflict", msg("support_plan.episode_closed"))
    # Re-checked: a member named in the draft may have left the team since.
    await _check_assignees(unit, plan.client_id, [Assignment.model_validate(a) for a in plan.assignments])
    plan.status = rules.PUBLISHED
    plan.published_at = func.now()
    plan.published_by = principal.id
    await unit.session.flush()
    await unit.session.refresh(plan, ["published_at"])
    if await _is_member(unit, principal, plan.client_id):
        # Whoever publishes a version has read it.
        unit.session.add(SupportPlanAcknowledgement(plan_id=plan.id, user_id=principal.id))
        await unit.session.flush()
    unit.audit("publish", "support_plan", resource_id=plan.id, client_id=plan.client_id)
    return (await _seen(unit, principal, [plan]))[0]


async def _is_member(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> bool:
    return bool(await unit.session.scalar(select(on_care_team(principal, client_id))))


async def acknowledge(unit: RequestUnit, principal: Principal, plan_id: uuid.UUID) -> PlanSeen:
    plan = await _visible(unit, principal, plan_id)
    require(unit, principal, Action.support_plan_acknowledge, resource_type="support_plan", resource_id=plan.id,
            client_id=plan.client_id)
    if not await _is_member(unit, principal, plan.client_id):
        raise Problem("conflict", msg("support_plan.not_on_team"))
    current = await unit.session.scalar(select(_current_number(plan.episode_id)))
    if plan.status != rules.PUBLISHED or plan.number != current:
        raise Problem("conflict", msg("support_plan.not_current", number=current or 0))
    existing = await unit.session.scalar(select(SupportPlanAcknowledgement.id).where(
        SupportPlanAcknowledgement.plan_id == plan.id, SupportPlanAcknowledgement.user_id == principal.id))
    if existing is None:
        unit.session.add(SupportPlanAcknowledgement(plan_id=plan.id, user_id=principal.id))
        await unit.session.flush()
        unit.audit("acknowledge", "support_plan", resource_id=plan.id, client_id=plan.client_id)
    else:
        unit.audit("read", "support_plan", resource_id=plan.id, client_id=plan.client_id)
    return (await _seen(unit, principal, [plan]))[0]


async def readers(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID) -> PlanReaders:
    """The current version and who of the care team has, and has not yet, acknowledged it."""
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    session = unit.session
    plan = await session.scalar(select(SupportPlan).where(
        SupportPlan.episode_id == episode_id, SupportPlan.status == rules.PUBLISHED)
        .order_by(SupportPlan.number.desc()).limit(1))
    if plan is None:
        raise Problem("not-found", msg("support_plan.none_published"))
    assert plan.published_at is not None
    today = today_tokyo()
    members = (await session.execute(
        select(CareTeamMember.user_id, CareTeamMember.team_role, UserAccount.display_name)
        .join(UserAccount, UserAccount.id == CareTeamMember.user_id)
        .where(CareTeamMember.client_id == episode.client_id, CareTeamMember.from_date <= today,
               (CareTeamMember.to_date.is_(None)) | (CareTeamMember.to_date >= today))
        .order_by(CareTeamMember.from_date, CareTeamMember.id))).all()
    acks = dict((await session.execute(
        select(SupportPlanAcknowledgement.user_id, SupportPlanAcknowledgement.acknowledged_at)
        .where(SupportPlanAcknowledgement.plan_id == plan.id))).all())
    by_user: dict[uuid.UUID, tuple[str, str]] = {}
    for user_id, team_role, name in members:
        by_user.setdefault(user_id, (team_role, name))
    unread = rules.unread(by_user, acks)
    acknowledged = [PlanReader(user_id=u, name=by_user[u][1], team_role=by_user[u][0], acknowledged_at=acks[u])
                    for u in by_user if u in acks]
    unit.audit("read", "support_plan", resource_id=plan.id, client_id=plan.client_id, subject="readers")
    return PlanReaders(plan_id=plan.id, episode_id=episode_id, client_id=plan.client_id, number=plan.number,
                       published_at=plan.published_at, acknowledged=acknowledged,
                       unread=[PlanReader(user_id=u, name=by_user[u][1], team_role=by_user[u][0],
                                          acknowledged_at=None) for u in unread])


def view(principal: Principal, seen: PlanSeen) -> Shaped:
    p = seen.plan
    return shape(principal, SupportPlanRead(
        id=p.id, episode_id=p.episode_id, client_id=p.client_id, number=p.number, status=p.status,
        current=seen.current, policy=p.policy, goals=list(p.goals),
        assignments=[AssignmentRead.model_validate(a) for a in p.assignments], created_by=p.created_by,
        published_at=p.published_at, published_by=p.published_by, acknowledged_by_me=seen.acknowledged_by_me,
        created_at=p.created_at, updated_at=p.updated_at, version=p.version))


# --- the export (GET /v1/exports/support-plans) ---
def export_select(principal: Principal) -> Any:
    """Every version with whether it is current and whether the caller acknowledged it, in one query."""
    mine = exists(select(SupportPlanAcknowledgement.id).where(SupportPlanAcknowledgement.plan_id == SupportPlan.id,
                                                              SupportPlanAcknowledgement.user_id == principal.id))
    return select(SupportPlan, (SupportPlan.number == _current_number(SupportPlan.episode_id)).label("current"),
                  mine.label("acknowledged_by_me"))


def export_view(principal: Principal, row: Any) -> Shaped:
    return view(principal, PlanSeen(row[0], bool(row[1]), bool(row[2])))
