from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.domain import codes
from api.domain.fiscal import today_tokyo
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.episodes import (
    ActivityCreate,
    ActivityRead,
    EpisodeCreate,
    EpisodeDetail,
    EpisodeRead,
    GoalCreate,
    GoalRead,
    GoalUpdate,
    TransitionRequest,
    WorkerDay,
)
from api.services import episodes as episode_service
from api.services import goals_and_activities as work_service
from api.services import read_models as views
from api.services import shaping
from api.services.shaping import shaped_page

router = APIRouter(tags=["episodes"], route_class=CommitRoute)


@router.get("/v1/episodes", operation_id="list_episodes", summary="Support episodes the caller may see",
            response_model=Page[EpisodeRead])
async def list_episodes(
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    programme_code: Annotated[str | None, Query(max_length=64)] = None,
    branch_code: Annotated[str | None, Query(max_length=32)] = None,
    status: codes.EpisodeStatusCode | None = None,
    lead_worker_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    planned_end_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    overdue: bool | None = None,
) -> Response:
    rows, cursor = await episode_service.list_visible(
        unit, principal, page, programme_code=programme_code, branch_code=branch_code, status=status,
        lead_worker_id=lead_worker_id, client_id=client_id, planned_end_within_days=planned_end_within_days,
        overdue=overdue)
    return json_response(shaped_page(shaping.shape_many(principal, rows),
                                     cursor))


@router.post("/v1/episodes", operation_id="propose_episode", summary="Propose enrolling a client in a programme",
             status_code=201, response_model=EpisodeRead)
async def propose_episode(body: EpisodeCreate, principal: PrincipalDep, unit: UnitDep,
                          idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        episode, programme = await episode_service.propose(unit, principal, body)
        return json_response(views.episode_view(principal, episode, programme), status_code=201,
                             version=episode.version, location=f"/v1/episodes/{episode.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/episodes/{episode_id}", operation_id="get_episode",
            summary="One episode with its status history and decisions", response_model=EpisodeDetail)
async def get_episode(episode_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    episode, programme, history, decisions = await episode_service.detail(unit, principal, episode_id)
    return json_response(views.episode_detail_view(principal, episode, programme, history, decisions),
                         version=episode.version)


@router.post("/v1/episodes/{episode_id}/transitions", operation_id="transition_episode",
             summary="Start, hold, resume, extend, finish or cancel an episode (If-Match)",
             response_model=EpisodeDetail)
async def transition_episode(episode_id: uuid.UUID, body: TransitionRequest, expected: IfMatchDep,
                             principal: PrincipalDep, unit: UnitDep) -> Response:
    await episode_service.transition(unit, principal, episode_id, body, expected)
    episode, programme, history, decisions = await episode_service.detail(unit, principal, episode_id)
    return json_response(views.episode_detail_view(principal, episode, programme, history, decisions),
                         version=episode.version)


@router.get("/v1/episodes/{episode_id}/goals", operation_id="list_goals", summary="Goals of an episode",
            response_model=list[GoalRead])
async def list_goals(episode_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    goals = await work_service.list_goals(unit, principal, episode_id)
    return list_response([views.goal_view(principal, g) for g in goals])


@router.post("/v1/episodes/{episode_id}/goals", operation_id="add_goal", summary="Add a goal", status_code=201,
             response_model=GoalRead)
async def add_goal(episode_id: uuid.UUID, body: GoalCreate, principal: PrincipalDep, unit: UnitDep,
                   idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        goal = await work_service.add_goal(unit, principal, episode_id, body)
        return json_response(views.goal_view(principal, goal), status_code=201,
                             version=goal.version)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch("/v1/episodes/{episode_id}/goals/{goal_id}", operation_id="update_goal",
              summary="Change a goal's text, status or review date (If-Match)", response_model=GoalRead)
async def update_goal(episode_id: uuid.UUID, goal_id: uuid.UUID, body: GoalUpdate, expected: IfMatchDep,
                      principal: PrincipalDep, unit: UnitDep) -> Response:
    goal = await work_service.update_goal(unit, principal, episode_id, goal_id, body, expected)
    return json_response(views.goal_view(principal, goal), version=goal.version)


@router.get("/v1/episodes/{episode_id}/activities", operation_id="list_episode_activities",
            summary="Activity records of an episode", response_model=list[ActivityRead])
async def list_episode_activities(episode_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    activities = await work_service.list_activities(unit, principal, episode_id)
    return list_response([views.activity_view(principal, a) for a in activities])


@router.post("/v1/episodes/{episode_id}/activities", operation_id="record_activity",
             summary="Record a visit, accompaniment, call, conference, trial stay or peer support",
             status_code=201, response_model=ActivityRead)
async def record_activity(request: Request, episode_id: uuid.UUID, body: ActivityCreate, principal: PrincipalDep,
                          unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        activity = await work_service.record_activity(unit, principal, episode_id, body,
                                                      request.app.state.settings.daily_visit_capacity)
        return json_response(views.activity_view(principal, activity), status_code=201,
                             version=activity.version)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/activities", operation_id="get_worker_day",
            summary="A worker's day: activities on one date against the daily visit capacity",
            response_model=WorkerDay)
async def get_worker_day(request: Request, principal: PrincipalDep, unit: UnitDep,
                         performer_id: uuid.UUID | None = None, on: date | None = None) -> Response:
    who = performer_id or principal.id
    day = on or today_tokyo()
    activities, visits, minutes, capacity = await work_service.worker_day(
        unit, principal, who, day, request.app.state.settings.daily_visit_capacity)
    return json_response(shaping.shape(principal, WorkerDay(
        performer_id=who, date=day, visits=visits, capacity=capacity, remaining=max(0, capacity - visits),
        minutes_with_travel=minutes, activities=[views.activity_read(a) for a in activities])))
