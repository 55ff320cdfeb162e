"""Correction requests (訂正請求): recorded as asked, decided by a supervisor, and when accepted
applied through the client update use case, so the record, its audit event and the change feed are
those of any other update. Each request keeps the field's value before and after: the requests
naming a field are that field's correction history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from api.conventions import check_version
from api.db.models import CorrectionRequest
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.personal_data import CORRECTABLE_FIELDS
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, field_error, invalid_fields
from api.schemas.clients import ClientUpdate
from api.schemas.lifecycle import CorrectionCreate, CorrectionDecision
from api.services import clients as client_service
from api.services.guard import invisible, require


def _current(client: Any, field: str) -> Any:
    return ClientUpdate.model_validate({field: getattr(client, field)}).model_dump(mode="json")[field]


async def request(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                  body: CorrectionCreate) -> CorrectionRequest:
    await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.correction_request, resource_type="correction_request", client_id=client_id)
    if body.field not in CORRECTABLE_FIELDS:
        problem = msg("correction.not_correctable", field=body.field, choices=sorted(CORRECTABLE_FIELDS))
        raise invalid_fields(problem, [field_error("field", problem, "choice", choices=sorted(CORRECTABLE_FIELDS))])
    try:
        normalised = ClientUpdate.model_validate({body.field: body.requested_value}).model_dump(mode="json")
    except ValidationError as exc:
        raise invalid_fields(msg("correction.invalid_value", field=body.field),
                             [field_error("requested_value", e["msg"], e["type"])
                              for e in exc.errors(include_url=False)]) from exc
    correction = CorrectionRequest(
        client_id=client_id, field=body.field, requested_value=normalised[body.field], reason=body.reason,
        source=body.source, received_on=body.received_on, requested_by=principal.id,
        requested_at=datetime.now(UTC), status="requested")
    unit.session.add(correction)
    await unit.session.flush()
    unit.audit("create", "correction_request", resource_id=correction.id, client_id=client_id,
               detail={"field": body.field})
    return correction


async def history(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                  field: str | None) -> Sequence[CorrectionRequest]:
    await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.correction_request, resource_type="correction_request", client_id=client_id)
    stmt = select(CorrectionRequest).where(CorrectionRequest.client_id == client_id)
    if field is not None:
        stmt = stmt.where(CorrectionRequest.field == field)
    rows = (await unit.session.scalars(stmt.order_by(CorrectionRequest.requested_at, CorrectionRequest.id))).all()
    unit.audit("read", "correction_request", client_id=client_id, subject="list")
    return rows


async def decide(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, correction_id: uuid.UUID,
                 body: CorrectionDecision, expected_version: int) -> CorrectionRequest:
    client = await client_service.get_visible(unit, principal, client_id)
    correction = await unit.session.scalar(select(CorrectionRequest).where(
        CorrectionRequest.id == correction_id, CorrectionRequest.client_id == client_id).with_for_update())
    if correction is None:
        raise await invisible(unit, "correction_request", correction_id)
    require(unit, principal, Action.correction_decide, resource_type="correction_request",
            resource_id=correction_id, client_id=client_id)
    check_version(correction.version, expected_version)
    if correction.status != "requested":
        raise Problem("illegal-transition", msg("correction.already_decided", status=correction.status), allowed=[])
    correction.old_value = _current(client, correction.field)
    if body.decision == "accept":
        update = ClientUpdate.model_validate({correction.field: correction.requested_value})
        client = await client_service.update(unit, principal, client_id, update, client.version)
        correction.new_value = _current(client, correction.field)
        correction.status = "accepted"
    else:
        correction.new_value = correction.old_value
        correction.status = "rejected"
    correction.decided_by, correction.decided_at = principal.id, datetime.now(UTC)
    correction.decision_reason = body.reason
    await unit.session.flush()
    unit.audit("update", "correction_request", resource_id=correction.id, client_id=client_id,
               subject=correction.status, detail={"field": correction.field})
    return correction
