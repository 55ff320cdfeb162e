"""Programme contract terms (issue 18, item 9): the contracted corporation and the contract year."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.routing import CommitRoute
from api.schemas.programme_contracts import ProgrammeContractCreate, ProgrammeContractRead, ProgrammeContractUpdate
from api.services import programme_contracts as service

router = APIRouter(tags=["programmes"], route_class=CommitRoute)

On = Annotated[date | None, Query(description="Compute the contract year for this date (default: today, Tokyo)")]


@router.get("/v1/programmes/{programme_id}/contracts", operation_id="list_programme_contracts",
            summary="A programme's contract terms (受託), with the contract year of a date",
            response_model=list[ProgrammeContractRead])
async def list_programme_contracts(programme_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                                   on: On = None) -> Response:
    contracts = await service.of_programme(unit, programme_id)
    return list_response([await service.read_model(unit, c, on) for c in contracts], private=False)


@router.post("/v1/programmes/{programme_id}/contracts", operation_id="create_programme_contract",
             summary="Record a programme's contract with a corporation (admin)", status_code=201,
             response_model=ProgrammeContractRead)
async def create_programme_contract(programme_id: uuid.UUID, body: ProgrammeContractCreate, principal: PrincipalDep,
                                    unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        contract = await service.create(unit, principal, programme_id, body)
        return json_response(await service.read_model(unit, contract, None), status_code=201,
                             version=contract.version, location=f"/v1/programme-contracts/{contract.id}",
                             private=False)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/programme-contracts/{contract_id}", operation_id="get_programme_contract",
            summary="One contract, with the contract year of a date", response_model=ProgrammeContractRead)
async def get_programme_contract(contract_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                                 on: On = None) -> Response:
    contract = await service.get(unit, contract_id)
    return json_response(await service.read_model(unit, contract, on), version=contract.version, private=False)


@router.patch("/v1/programme-contracts/{contract_id}", operation_id="update_programme_contract",
              summary="Change a contract (admin, If-Match)", response_model=ProgrammeContractRead)
async def update_programme_contract(contract_id: uuid.UUID, body: ProgrammeContractUpdate, expected: IfMatchDep,
                                    principal: PrincipalDep, unit: UnitDep) -> Response:
    contract = await service.update(unit, principal, contract_id, body, expected)
    return json_response(await service.read_model(unit, contract, None), version=contract.version, private=False)
