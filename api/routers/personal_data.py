"""The personal-data lifecycle over HTTP: the disclosure package, correction requests and the
retention schedule's dry run (docs: README "Personal data: disclosure, correction, retention")."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.conventions import NO_STORE, IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.domain.fiscal import today_tokyo
from api.routing import CommitRoute
from api.schemas.lifecycle import (
    CorrectionCreate,
    CorrectionDecision,
    CorrectionRead,
    RetentionCandidate,
    RetentionPreview,
)
from api.services import corrections as correction_service
from api.services import disclosure as disclosure_service
from api.services import record_retention as retention_service

router = APIRouter(tags=["personal data"], route_class=CommitRoute)


@router.get("/v1/clients/{client_id}/disclosure", operation_id="get_client_disclosure",
            summary="Everything held about the client, as one printable Japanese document (開示請求)",
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
            response_class=Response)
async def get_client_disclosure(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    document = await disclosure_service.package(unit, principal, client_id, datetime.now(UTC))
    return Response(document, media_type="text/html; charset=utf-8", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="disclosure-{client_id}.html"'})


@router.post("/v1/clients/{client_id}/corrections", operation_id="request_correction", status_code=201,
             summary="Record a request to correct a field of the client's record (訂正請求)",
             response_model=CorrectionRead)
async def request_correction(client_id: uuid.UUID, body: CorrectionCreate, principal: PrincipalDep, unit: UnitDep,
                             idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        correction = await correction_service.request(unit, principal, client_id, body)
        return json_response(CorrectionRead.model_validate(correction), status_code=201, version=correction.version,
                             location=f"/v1/clients/{client_id}/corrections/{correction.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/clients/{client_id}/corrections", operation_id="list_corrections",
            summary="Correction requests of the client, oldest first: a field's correction history",
            response_model=list[CorrectionRead])
async def list_corrections(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                           field: str | None = Query(default=None, max_length=32)) -> Response:
    rows = await correction_service.history(unit, principal, client_id, field)
    return list_response([CorrectionRead.model_validate(r) for r in rows])


@router.post("/v1/clients/{client_id}/corrections/{correction_id}/decision", operation_id="decide_correction",
             summary="Accept (the record is corrected) or reject a correction request, with the reason (If-Match)",
             response_model=CorrectionRead)
async def decide_correction(client_id: uuid.UUID, correction_id: uuid.UUID, body: CorrectionDecision,
                            expected: IfMatchDep, principal: PrincipalDep, unit: UnitDep) -> Response:
    correction = await correction_service.decide(unit, principal, client_id, correction_id, body, expected)
    return json_response(CorrectionRead.model_validate(correction), version=correction.version)


@router.get("/v1/retention/due", operation_id="preview_retention",
            summary="Dry run: the clients (of those the caller sees) the next retention run would erase",
            response_model=RetentionPreview)
async def preview_retention(request: Request, principal: PrincipalDep, unit: UnitDep) -> Response:
    years = request.app.state.settings.retention_years_after_close
    today = today_tokyo()
    items = await retention_service.preview(unit, principal, today, years)
    return json_response(RetentionPreview(years_after_close=years, as_of=today, items=[
        RetentionCandidate(client_id=i.client_id, last_closed_on=i.last_closed_on, deactivated_on=i.deactivated_on,
                           due_on=i.due_on) for i in items]))
