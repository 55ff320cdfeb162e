"""Goals and activity records of an episode, and a worker's day against the daily visit capacity."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from api.conventions import check_version
from api.db.models import Activity, Goal, UserAccount
from api.db.scopes import activities_visible_to, day_activities_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, On
from api.domain.episode_transitions import TERMINAL_STATUSES
from api.domain.fiscal import TOKYO
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, id_taken
from api.schemas.episodes import ActivityCreate, GoalCreate, GoalUpdate
from api.services import episodes as episode_service
from api.services import schedules
from api.services.guard import invisible, require

# The work a mental-care worker's capacity ("about five visits a day") is counted in.
VISIT_KINDS = frozenset({"home_visit", "accompaniment", "trial_stay"})


async def list_goals(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID) -> Sequence[Goal]:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    unit.audit("read", "goal", client_id=episode.client_id, subject="list")
    return (await unit.session.scalars(
        select(Goal).where(Goal.episode_id == episode_id).order_by(Goal.created_at, Goal.id))).all()


async def add_goal(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID, body: GoalCreate) -> Goal:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    require(unit, principal, Action.goal_write, resource_type="goal", client_id=episode.client_id)
    if episode.status in TERMINAL_STATUSES:
        raise Problem("conflict", msg("episode.closed_for_goals"))
    if body.id is not None and await unit.session.get(Goal, body.id) is not None:
        raise id_taken()
    goal = Goal(id=body.id or uuid.uuid4(), episode_id=episode_id, text=body.text, status=body.status,
                review_on=body.review_on, created_by=principal.id)
    unit.session.add(goal)
    await unit.session.flush()
    unit.audit("create", "goal", resource_id=goal.id, client_id=episode.client_id)
    return goal


async def update_goal(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID, goal_id: uuid.UUID,
                      body: GoalUpdate, expected_version: int) -> Goal:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    goal = await unit.session.scalar(
        select(Goal).where(Goal.id == goal_id, Goal.episode_id == episode_id).with_for_update())
    if goal is None:
        raise await invisible(unit, "goal", goal_id)
    require(unit, principal, Action.goal_write, resource_type="goal", resource_id=goal_id, client_id=episode.client_id)
    check_version(goal.version, expected_version)
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None and field in ("text", "status"):
            raise Problem("validation", msg("field.cannot_be_null", field=field))
        setattr(goal, field, value)
    await unit.session.flush()
    unit.audit("update", "goal", resource_id=goal.id, client_id=episode.client_id)
    return goal


async def list_activities(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID) -> Sequence[Activity]:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    stmt = select(Activity).where(Activity.episode_id == episode_id, activities_visible_to(principal))
    unit.audit("read", "activity", client_id=episode.client_id, subject="list")
    return (await unit.session.scalars(stmt.order_by(Activity.occurred_at, Activity.id))).all()


async def record_activity(unit: RequestUnit, principal: Principal, episode_id: uuid.UUID,
                          body: ActivityCreate, default_capacity: int) -> Activity:
    episode, _ = await episode_service.get_visible(unit, principal, episode_id)
    require(unit, principal, Action.activity_record, On(kind=body.kind), resource_type="activity",
            client_id=episode.client_id)
    if episode.status in ("cancelled",):
        raise Problem("conflict", msg("episode.cancelled"))
    if body.id is not None and await unit.session.get(Activity, body.id) is not None:
        raise id_taken()
    confirmed = await _fits_the_day(unit, principal, body, episode.branch_code, default_capacity)
    activity = Activity(
        id=body.id or uuid.uuid4(), client_id=episode.client_id, episode_id=episode.id, performer_id=principal.id,
        **body.model_dump(mode="json", exclude={"id", "occurred_at", "confirm_elsewhere", "confirm_over_capacity"}),
        occurred_at=body.occurred_at,
    )
    unit.session.add(activity)
    await unit.session.flush()
    unit.audit("create", "activity", resource_id=activity.id, client_id=episode.client_id,
               detail={"confirmed": confirmed} if confirmed else None)
    return activity


async def _fits_the_day(unit: RequestUnit, principal: Principal, body: ActivityCreate, branch_code: str,
                        default_capacity: int) -> list[str]:
    """A visit must fit the performer's day: at the client's branch office, within the day's capacity
    (api.domain.schedules), or be confirmed; the reasons confirmed go into the audit row."""
    if body.kind not in VISIT_KINDS:
        return []
    # One booking at a time per worker, so two concurrent sixth visits cannot both pass the count.
    await unit.session.execute(select(UserAccount.id).where(UserAccount.id == principal.id).with_for_update())
    day = body.occurred_at.astimezone(TOKYO).date()
    plan = await schedules.plan(unit.session, principal.id, day, default_capacity)
    booked = (await schedules.visits_on(unit.session, principal.id, day, day)).get(day, 0)
    return schedules.check_visit(plan, booked, branch_code, confirm_elsewhere=body.confirm_elsewhere,
                                 confirm_over_capacity=body.confirm_over_capacity)


async def worker_day(unit: RequestUnit, principal: Principal, performer_id: uuid.UUID,
                     day: date, default_capacity: int) -> tuple[Sequence[Activity], int, int, int]:
    """A worker's activities on one Tokyo calendar day; other people's days only for supervisors,
    and only of the clients the supervisor may see."""
    require(unit, principal, Action.worker_day_read, On(user_id=performer_id), resource_type="activity",
            subject="worker-day")
    start = datetime.combine(day, time.min, TOKYO)
    stmt = select(Activity).where(Activity.performer_id == performer_id, Activity.occurred_at >= start,
                                  Activity.occurred_at < start + timedelta(days=1),
                                  day_activities_visible_to(principal, performer_id))
    activities = (await unit.session.scalars(stmt.order_by(Activity.occurred_at, Activity.id))).all()
    for a in activities:
        unit.audit("read", "activity", resource_id=a.id, client_id=a.client_id, subject="worker-day")
    visits = sum(1 for a in activities if a.kind in VISIT_KINDS)
    minutes = sum(a.duration_minutes + a.travel_minutes for a in activities)
    # The day's capacity from the worker's pattern; the ward-wide one for a worker without one.
    capacity = (await schedules.plan(unit.session, performer_id, day, default_capacity)).capacity
    return activities, visits, minutes, capacity
