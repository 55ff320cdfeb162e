"""Break-the-glass over HTTP (docs: README "Emergency access")."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.deps import PrincipalDep, UnitDep
from api.domain import codes
from api.domain.roles import Role
from api.routing import CommitRoute
from api.schemas.clients import CareTeamMemberRead, ClientRead, ConsentRead
from api.schemas.episodes import EpisodeRead
from api.schemas.lifecycle import (
    EmergencyAccessOpen,
    EmergencyAccessRead,
    EmergencyQueue,
    EmergencyQueueItem,
    EmergencyReview,
)
from api.services import emergency_access as emergency_service
from api.services import read_models as views
from api.services.shaping import Shaped, shape_as

router = APIRouter(tags=["emergency access"], route_class=CommitRoute)


class EmergencyViewRead(BaseModel):
    """The caseworker-level read view of one client, while the caller's emergency access lasts."""

    access: EmergencyAccessRead
    client: ClientRead
    care_team: list[CareTeamMemberRead]
    consents: list[ConsentRead]
    episodes: list[EpisodeRead]


@router.post("/v1/emergency-access", operation_id="open_emergency_access", status_code=201,
             summary="Break the glass: time-limited read access to a client outside your care teams, with a reason",
             response_model=EmergencyAccessRead)
async def open_emergency_access(request: Request, body: EmergencyAccessOpen, principal: PrincipalDep,
                                unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    hours = request.app.state.settings.emergency_access_hours

    async def create() -> Response:
        grant = await emergency_service.open_access(unit, principal, body, hours)
        return json_response(EmergencyAccessRead.model_validate(grant), status_code=201, version=grant.version,
                             location=f"/v1/clients/{grant.client_id}/emergency-view")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/clients/{client_id}/emergency-view", operation_id="get_emergency_view",
            summary="The client's record, care team, consents and episodes while your emergency access lasts",
            response_model=EmergencyViewRead)
async def get_emergency_view(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    seen = await emergency_service.view(unit, principal, client_id)

    def as_caseworker(record: BaseModel) -> Any:
        # The grant is to the caseworker-level view, whatever the reader's own role: one field policy row.
        return shape_as(Role.caseworker, record).root

    return json_response(Shaped.model_construct({
        "access": EmergencyAccessRead.model_validate(seen.grant).model_dump(mode="json"),
        "client": as_caseworker(views.client_read(seen.client)),
        "care_team": [as_caseworker(CareTeamMemberRead.model_validate(m, from_attributes=True))
                      for m in seen.care_team],
        "consents": [as_caseworker(views.consent_read(c)) for c in seen.consents],
        "episodes": [as_caseworker(views.episode_read(e, p)) for e, p in seen.episodes],
    }))


@router.get("/v1/emergency-access", operation_id="list_emergency_access",
            summary="The review queue: emergency accesses on the caller's clients (all, for auditors)",
            response_model=EmergencyQueue)
async def list_emergency_access(principal: PrincipalDep, unit: UnitDep,
                                review_status: codes.EmergencyAccessReviewStatus | None = None
                                ) -> Response:
    rows = await emergency_service.queue(unit, principal, review_status)
    return json_response(EmergencyQueue(items=[
        EmergencyQueueItem(**EmergencyAccessRead.model_validate(g).model_dump(), user_name=name, user_grants_90d=n)
        for g, name, n in rows]))


@router.post("/v1/emergency-access/{access_id}/review", operation_id="review_emergency_access",
             summary="Mark an emergency access justified or not, with a note (If-Match)",
             response_model=EmergencyAccessRead)
async def review_emergency_access(access_id: uuid.UUID, body: EmergencyReview, expected: IfMatchDep,
                                  principal: PrincipalDep, unit: UnitDep) -> Response:
    grant = await emergency_service.review(unit, principal, access_id, body, expected)
    return json_response(EmergencyAccessRead.model_validate(grant), version=grant.version)
