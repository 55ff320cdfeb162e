"""A client's related persons (family, household), and their links to other client records."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.routing import CommitRoute
from api.schemas.households import RelatedPersonCreate, RelatedPersonLinkSet, RelatedPersonRead, RelatedPersonUpdate
from api.services import households as service
from api.services.shaping import shape

router = APIRouter(tags=["households"], route_class=CommitRoute)
BASE = "/v1/clients/{client_id}/related-persons"


@router.get(BASE, operation_id="list_related_persons", response_model=list[RelatedPersonRead],
            summary="The client's family and household; a link to another client only if you see that client")
async def list_related_persons(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    people = await service.list_for_client(unit, principal, client_id)
    return list_response([shape(principal, p) for p in people])


@router.post(BASE, operation_id="create_related_person", status_code=201, response_model=RelatedPersonRead,
             summary="Record a related person (linking to a client record needs you to see both clients)")
async def create_related_person(client_id: uuid.UUID, body: RelatedPersonCreate, principal: PrincipalDep,
                                unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        person, version = await service.create(unit, principal, client_id, body)
        return json_response(shape(principal, person), status_code=201, version=version,
                             location=f"/v1/clients/{client_id}/related-persons/{person.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get(BASE + "/{person_id}", operation_id="get_related_person", response_model=RelatedPersonRead,
            summary="One related person")
async def get_related_person(client_id: uuid.UUID, person_id: uuid.UUID, principal: PrincipalDep,
                             unit: UnitDep) -> Response:
    person, version = await service.get(unit, principal, client_id, person_id)
    return json_response(shape(principal, person), version=version)


@router.patch(BASE + "/{person_id}", operation_id="update_related_person", response_model=RelatedPersonRead,
              summary="Change a related person (If-Match)")
async def update_related_person(client_id: uuid.UUID, person_id: uuid.UUID, body: RelatedPersonUpdate,
                                expected: IfMatchDep, principal: PrincipalDep, unit: UnitDep) -> Response:
    person, version = await service.update(unit, principal, client_id, person_id, body, expected)
    return json_response(shape(principal, person), version=version)


@router.put(BASE + "/{person_id}/link", operation_id="link_related_person", response_model=RelatedPersonRead,
            summary="Link the related person to their own client record (you must see both clients)")
async def link_related_person(client_id: uuid.UUID, person_id: uuid.UUID, body: RelatedPersonLinkSet,
                              principal: PrincipalDep, unit: UnitDep) -> Response:
    person, version = await service.link(unit, principal, client_id, person_id, body.linked_client_id)
    return json_response(shape(principal, person), version=version)


@router.delete(BASE + "/{person_id}/link", operation_id="unlink_related_person", status_code=204,
               summary="Remove the link to a client record you see")
async def unlink_related_person(client_id: uuid.UUID, person_id: uuid.UUID, principal: PrincipalDep,
                                unit: UnitDep) -> Response:
    await service.unlink(unit, principal, client_id, person_id)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
