"""Enquiries about people not yet in support (相談受付; issue 18, item 3): record what is known,
triage, and register the person as a client through the one client-creation use case, so kana
normalisation and the duplicate check apply and both records are audited.

An enquiry holds personal data: every read is audited like a client's (naming the client once the
enquiry became one), answers are never cached, and the field policy decides what each role gets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import select

from api.conventions import check_version
from api.db.models import Branch, Client, Intake
from api.db.scopes import intakes_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.messages import msg
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import Problem, field_error, id_taken, invalid_field, invalid_fields, refuse_nulls
from api.schemas.clients import ClientCreate
from api.schemas.intakes import IntakeConvert, IntakeCreate, IntakeTriage, IntakeUpdate
from api.services import clients as client_service
from api.services.guard import invisible, require


def _audit_read(unit: RequestUnit, intake: Intake, subject: str | None = None) -> None:
    unit.audit("read", "intake", resource_id=intake.id, client_id=intake.client_id, subject=subject)


async def _check_branch(unit: RequestUnit, code: str | None) -> None:
    if code is not None and await unit.session.get(Branch, code) is None:
        allowed = list((await unit.session.scalars(select(Branch.code).order_by(Branch.code))).all())
        unknown = msg("client.unknown_branch", code=code, allowed=allowed)
        raise invalid_field("branch_code", unknown, "unknown")


async def create(unit: RequestUnit, principal: Principal, body: IntakeCreate) -> Intake:
    require(unit, principal, Action.intake_record, resource_type="intake")
    await _check_branch(unit, body.branch_code)
    if body.id is not None and await unit.session.get(Intake, body.id) is not None:
        raise id_taken()
    intake = Intake(id=body.id or uuid.uuid4(), agency_id=principal.agency_id, received_at=datetime.now(UTC),
                    received_by=principal.id, triage_outcome="pending", status="open",
                    **body.model_dump(exclude={"id"}))
    unit.session.add(intake)
    await unit.session.flush()
    unit.audit("create", "intake", resource_id=intake.id)
    return intake


async def _visible(unit: RequestUnit, principal: Principal, intake_id: uuid.UUID, *,
                   for_update: bool = False) -> Intake:
    stmt = select(Intake).where(Intake.id == intake_id, intakes_visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update()
    intake = await unit.session.scalar(stmt)
    if intake is None:
        raise await invisible(unit, "intake", intake_id)
    return intake


async def read(unit: RequestUnit, principal: Principal, intake_id: uuid.UUID) -> Intake:
    require(unit, principal, Action.intake_read, resource_type="intake", resource_id=intake_id)
    intake = await _visible(unit, principal, intake_id)
    _audit_read(unit, intake)
    return intake


def _still_open(intake: Intake) -> None:
    if intake.status != "open":
        raise Problem("conflict", msg(f"intake.not_open.{intake.status}"))


async def update(unit: RequestUnit, principal: Principal, intake_id: uuid.UUID, body: IntakeUpdate,
                 expected_version: int) -> Intake:
    require(unit, principal, Action.intake_record, resource_type="intake", resource_id=intake_id)
    intake = await _visible(unit, principal, intake_id, for_update=True)
    check_version(intake.version, expected_version)
    _still_open(intake)
    changes = body.model_dump(exclude_unset=True)
    refuse_nulls(changes, ("referrer_type", "urgency", "consent_state", "birth_date_approximate"))
    await _check_branch(unit, changes.get("branch_code"))
    for field, value in changes.items():
        setattr(intake, field, value)
    if intake.name is None and intake.description is None:
        raise Problem("validation", msg("intake.something_known"))
    await unit.session.flush()
    unit.audit("update", "intake", resource_id=intake.id, detail={"fields": sorted(changes)})
    return intake


async def triage(unit: RequestUnit, principal: Principal, intake_id: uuid.UUID, body: IntakeTriage,
                 expected_version: int) -> Intake:
    require(unit, principal, Action.intake_record, resource_type="intake", resource_id=intake_id)
    intake = await _visible(unit, principal, intake_id, for_update=True)
    check_version(intake.version, expected_version)
    _still_open(intake)
    intake.triage_outcome = body.triage_outcome
    intake.triage_note = body.triage_note
    intake.triaged_at = datetime.now(UTC)
    intake.triaged_by = principal.id
    if body.close:
        intake.status = "closed"
    await unit.session.flush()
    unit.audit("update", "intake", resource_id=intake.id, subject="triage",
               detail={"triage_outcome": body.triage_outcome, "closed": body.close})
    return intake


def _client_body(intake: Intake, body: IntakeConvert) -> ClientCreate:
    """The new client's fields: what the enquiry knows, overridden by what the converter gives."""
    exact_birth = intake.birth_date if not intake.birth_date_approximate else None
    fields: dict[str, Any] = {
        "id": body.client_id,
        "name": body.name or intake.name,
        "kana": body.kana or intake.kana,
        "date_of_birth": body.date_of_birth or exact_birth,
        "sex": body.sex or intake.sex or "unknown",
        "branch_code": body.branch_code or intake.branch_code,
        "residence_type": body.residence_type,
        "residence_since": body.residence_since,
        "hospital_agency_id": body.hospital_agency_id,
        "public_assistance": body.public_assistance,
        "caseworker_id": body.caseworker_id,
        "phone": body.phone or intake.phone,
        "notes": body.notes if body.notes is not None else intake.description,
        "confirm_not_duplicate": body.confirm_not_duplicate,
    }
    missing = [f for f in ("name", "kana", "date_of_birth", "branch_code") if fields[f] is None]
    if missing == ["date_of_birth"] and intake.birth_date is not None:
        problem = msg("intake.approximate_birth_date")
        raise invalid_field("date_of_birth", problem, "missing")
    if missing:
        problem = msg("intake.missing_for_client", fields=missing)
        raise invalid_fields(problem, [field_error(f, msg("field.required"), "missing") for f in missing])
    try:
        return ClientCreate.model_validate(fields)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


async def convert(unit: RequestUnit, principal: Principal, intake_id: uuid.UUID, body: IntakeConvert,
                  expected_version: int) -> tuple[Intake, Client]:
    require(unit, principal, Action.intake_convert, resource_type="intake", resource_id=intake_id)
    intake = await _visible(unit, principal, intake_id, for_update=True)
    check_version(intake.version, expected_version)
    _still_open(intake)
    # The one client-creation use case: kana normalisation, the duplicate check, the care team, its audit row.
    client = await client_service.create(unit, principal, _client_body(intake, body))
    now = datetime.now(UTC)
    intake.client_id = client.id
    intake.status = "converted"
    intake.converted_at = now
    intake.converted_by = principal.id
    if intake.triage_outcome == "pending":
        intake.triage_outcome, intake.triaged_at, intake.triaged_by = "accept", now, principal.id
    await unit.session.flush()
    unit.audit("update", "intake", resource_id=intake.id, client_id=client.id, subject="convert",
               detail={"client_id": str(client.id)})
    return intake, client


async def list_visible(unit: RequestUnit, principal: Principal, page: PageParams, *, status: str | None,
                       urgency: str | None, triage_outcome: str | None) -> tuple[list[Intake], str | None]:
    """Newest first: the enquiries of the caller's agency (and, for a supervisor, of its branches)."""
    require(unit, principal, Action.intake_read, resource_type="intake")
    filters: list[Any] = [intakes_visible_to(principal)]
    if status is not None:
        filters.append(Intake.status == status)
    if urgency is not None:
        filters.append(Intake.urgency == urgency)
    if triage_outcome is not None:
        filters.append(Intake.triage_outcome == triage_outcome)
    stmt = keyset(select(Intake).where(*filters), [Intake.received_at, Intake.id],
                  typed_cursor(page, [datetime.fromisoformat, uuid.UUID]), descending=True)
    rows = (await unit.session.scalars(stmt)).all()
    items, cursor = cut(rows, page, lambda r: [r.received_at.isoformat(), str(r.id)])
    for r in items:
        _audit_read(unit, r, "list")
    return items, cursor
