"""A client's refusals of professions and agencies (「保健師の関わりを拒否」)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.routing import CommitRoute
from api.schemas.refusals import RefusalCreate, RefusalEnd, RefusalRead
from api.services import refusals as service
from api.services.shaping import shape

router = APIRouter(tags=["refusals"], route_class=CommitRoute)
BASE = "/v1/clients/{client_id}/refusals"


@router.get(BASE, operation_id="list_refusals", response_model=list[RefusalRead],
            summary="Professions and agencies the client refused, current and ended")
async def list_refusals(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    refusals = await service.list_for_client(unit, principal, client_id)
    return list_response([shape(principal, service.read_model(r)) for r in refusals])


@router.post(BASE, operation_id="record_refusal", status_code=201, response_model=RefusalRead,
             summary="Record that the client refuses a profession or an agency, with date and source")
async def record_refusal(client_id: uuid.UUID, body: RefusalCreate, principal: PrincipalDep, unit: UnitDep,
                         idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        refusal = await service.record(unit, principal, client_id, body)
        return json_response(shape(principal, service.read_model(refusal)), status_code=201,
                             version=refusal.version, location=f"/v1/clients/{client_id}/refusals/{refusal.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.post(BASE + "/{refusal_id}/end", operation_id="end_refusal", response_model=RefusalRead,
             summary="The client no longer refuses (If-Match)")
async def end_refusal(client_id: uuid.UUID, refusal_id: uuid.UUID, body: RefusalEnd, expected: IfMatchDep,
                      principal: PrincipalDep, unit: UnitDep) -> Response:
    refusal = await service.end(unit, principal, client_id, refusal_id, body.ended_on, body.reason, expected)
    return json_response(shape(principal, service.read_model(refusal)), version=refusal.version)
