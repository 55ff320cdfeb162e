"""Programme contract terms (issue 18, item 9): admins record which corporation runs a programme
under contract since when; everyone signed in reads them with the contract year of a date."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from api.conventions import check_version
from api.db.models import Agency, Programme, ProgrammeContract
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.contract_terms import contract_year, contract_year_label_en, contract_year_label_ja, in_force
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, id_taken, invalid_field, not_found
from api.schemas.programme_contracts import ProgrammeContractCreate, ProgrammeContractRead, ProgrammeContractUpdate
from api.services.guard import require

MAX_CONTRACTS = 100


async def _programme(unit: RequestUnit, programme_id: uuid.UUID) -> Programme:
    programme = await unit.session.get(Programme, programme_id)
    if programme is None:
        raise not_found("what.programme")
    return programme


async def _check_agency(unit: RequestUnit, agency_id: uuid.UUID) -> None:
    if await unit.session.get(Agency, agency_id) is None:
        raise invalid_field("agency_id", msg("field.unknown_reference", what=msg("what.agency")), "unknown",
                            detail=msg("contract.unknown_agency"))


async def read_model(unit: RequestUnit, contract: ProgrammeContract, on: date | None) -> ProgrammeContractRead:
    day = on or today_tokyo()
    programme = await _programme(unit, contract.programme_id)
    agency = await unit.session.get(Agency, contract.agency_id)
    year = contract_year(contract.starts_on, contract.ends_on, day)
    return ProgrammeContractRead(
        id=contract.id, programme_id=contract.programme_id, programme_code=programme.code,
        agency_id=contract.agency_id, agency_name_ja=agency.name_ja if agency else "", starts_on=contract.starts_on,
        ends_on=contract.ends_on, note_ja=contract.note_ja, on=day,
        in_force=in_force(contract.starts_on, contract.ends_on, day), contract_year=year,
        contract_year_label_ja=contract_year_label_ja(year), contract_year_label_en=contract_year_label_en(year),
        version=contract.version, updated_at=contract.updated_at)


async def of_programme(unit: RequestUnit, programme_id: uuid.UUID) -> list[ProgrammeContract]:
    await _programme(unit, programme_id)
    return list((await unit.session.scalars(
        select(ProgrammeContract).where(ProgrammeContract.programme_id == programme_id)
        .order_by(ProgrammeContract.starts_on, ProgrammeContract.id).limit(MAX_CONTRACTS))).all())


async def get(unit: RequestUnit, contract_id: uuid.UUID) -> ProgrammeContract:
    contract = await unit.session.get(ProgrammeContract, contract_id)
    if contract is None:
        raise not_found("what.programme_contract")
    return contract


async def create(unit: RequestUnit, principal: Principal, programme_id: uuid.UUID,
                 body: ProgrammeContractCreate) -> ProgrammeContract:
    require(unit, principal, Action.programme_manage, resource_type="programme_contract")
    await _programme(unit, programme_id)
    await _check_agency(unit, body.agency_id)
    if body.id is not None and await unit.session.get(ProgrammeContract, body.id) is not None:
        raise id_taken()
    contract = ProgrammeContract(id=body.id or uuid.uuid4(), programme_id=programme_id,
                                 **body.model_dump(exclude={"id"}))
    unit.session.add(contract)
    await unit.session.flush()
    unit.audit("create", "programme_contract", resource_id=contract.id,
               detail={"programme_id": str(programme_id)})
    return contract


async def update(unit: RequestUnit, principal: Principal, contract_id: uuid.UUID, body: ProgrammeContractUpdate,
                 expected: int) -> ProgrammeContract:
    require(unit, principal, Action.programme_manage, resource_type="programme_contract", resource_id=contract_id)
    contract = await unit.session.get(ProgrammeContract, contract_id, with_for_update=True)
    if contract is None:
        raise not_found("what.programme_contract")
    check_version(contract.version, expected)
    changes = body.model_dump(exclude_unset=True)
    for field in ("agency_id", "starts_on"):
        if field in changes and changes[field] is None:
            raise Problem("validation", msg("field.cannot_be_null", field=field))
    if changes.get("agency_id"):
        await _check_agency(unit, changes["agency_id"])
    for field, value in changes.items():
        setattr(contract, field, value)
    if contract.ends_on is not None and contract.ends_on < contract.starts_on:
        raise Problem("validation", msg("contract.period_reversed"))
    await unit.session.flush()
    unit.audit("update", "programme_contract", resource_id=contract.id, detail={"fields": sorted(changes)})
    return contract
