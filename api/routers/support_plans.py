"""Issue 18, item 7: shared support plans (支援方針), their versions and who has read them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.deps import PrincipalDep, UnitDep
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.support_plans import PlanReaders, SupportPlanCreate, SupportPlanRead, SupportPlanUpdate
from api.services import support_plans as plan_service
from api.services.shaping import shape, shaped_page

router = APIRouter(tags=["support plans"], route_class=CommitRoute)


@router.get("/v1/episodes/{episode_id}/support-plans", operation_id="list_support_plans",
            summary="Versions of an episode's support plan, newest first", response_model=Page[SupportPlanRead])
async def list_support_plans(episode_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep, page: PageDep
                             ) -> Response:
    items, cursor = await plan_service.list_versions(unit, principal, episode_id, page)
    return json_response(shaped_page([plan_service.view(principal, s) for s in items], cursor))


@router.post("/v1/episodes/{episode_id}/support-plans", operation_id="draft_support_plan", status_code=201,
             summary="Draft the next version of an episode's support plan", response_model=SupportPlanRead)
async def draft_support_plan(episode_id: uuid.UUID, body: SupportPlanCreate, principal: PrincipalDep,
                             unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        seen = await plan_service.create(unit, principal, episode_id, body)
        return json_response(plan_service.view(principal, seen), status_code=201, version=seen.plan.version,
                             location=f"/v1/support-plans/{seen.plan.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/episodes/{episode_id}/support-plans/current/readers", operation_id="support_plan_readers",
            summary="Who of the care team has, and has not yet, acknowledged the current version",
            response_model=PlanReaders)
async def support_plan_readers(episode_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    return json_response(shape(principal, await plan_service.readers(unit, principal, episode_id)))


@router.get("/v1/support-plans/{plan_id}", operation_id="get_support_plan", summary="One version (ETag)",
            response_model=SupportPlanRead)
async def get_support_plan(plan_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    seen = await plan_service.read(unit, principal, plan_id)
    return json_response(plan_service.view(principal, seen), version=seen.plan.version)


@router.patch("/v1/support-plans/{plan_id}", operation_id="update_support_plan",
              summary="Change a draft version (If-Match); a published one is immutable",
              response_model=SupportPlanRead)
async def update_support_plan(plan_id: uuid.UUID, body: SupportPlanUpdate, expected: IfMatchDep,
                              principal: PrincipalDep, unit: UnitDep) -> Response:
    seen = await plan_service.update(unit, principal, plan_id, body, expected)
    return json_response(plan_service.view(principal, seen), version=seen.plan.version)


@router.post("/v1/support-plans/{plan_id}/publish", operation_id="publish_support_plan",
             summary="Publish a draft (If-Match): it becomes the current version, read by nobody yet but you",
             response_model=SupportPlanRead)
async def publish_support_plan(plan_id: uuid.UUID, expected: IfMatchDep, principal: PrincipalDep,
                               unit: UnitDep) -> Response:
    seen = await plan_service.publish(unit, principal, plan_id, expected)
    return json_response(plan_service.view(principal, seen), version=seen.plan.version)


@router.post("/v1/support-plans/{plan_id}/acknowledge", operation_id="acknowledge_support_plan",
             summary="Record that you (a care-team member) have read the current version",
             response_model=SupportPlanRead)
async def acknowledge_support_plan(plan_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    seen = await plan_service.acknowledge(unit, principal, plan_id)
    return json_response(plan_service.view(principal, seen), version=seen.plan.version)
