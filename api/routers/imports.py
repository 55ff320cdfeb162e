from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from api.conventions import json_response
from api.deps import PrincipalDep, UnitDep
from api.messages import msg
from api.problems import invalid_field
from api.routing import CommitRoute
from api.schemas.imports import ImportJobRead, ImportKind, ImportReport
from api.services import imports as import_service

router = APIRouter(tags=["imports"], route_class=CommitRoute)


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid_field("mapping", msg("import.mapping_object"), "json") from exc
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise invalid_field("mapping", msg("import.mapping_object"), "type")
    if len(value) > 200:
        raise invalid_field("mapping", msg("import.mapping_too_long", limit=200), "too_long")
    return value


def _job_response(job: object, status_code: int) -> Response:
    read = ImportJobRead.model_validate(job)
    return json_response(read, status_code=status_code, location=f"/v1/imports/{read.id}")


@router.post(
    "/v1/imports", operation_id="import_records", status_code=202,
    summary="Import clients, consents or activities from a CSV (UTF-8 or Shift_JIS) or XLSX file",
    description="`validate_only=true` answers 200 with the report of every row and column error and writes "
                "nothing. Otherwise the file is stored and run as one all-or-nothing job: 202 with the job "
                "(`GET /v1/imports/{id}` for progress and the report). The same file with the same mapping "
                "is imported once: sending it again answers 200 with the first job.",
    responses={200: {"model": ImportReport | ImportJobRead,
                     "description": "validate_only: the report; or the earlier job of the same file"},
               202: {"model": ImportJobRead}},
    response_model=ImportJobRead,
)
async def import_records(
    request: Request,
    principal: PrincipalDep,
    unit: UnitDep,
    file: Annotated[UploadFile, File(
        description="CSV (UTF-8, with or without BOM, or Shift_JIS) or XLSX; at most IMPORT_MAX_BYTES",
        json_schema_extra={"maxLength": 32 * 1024 * 1024})],
    kind: Annotated[ImportKind, Form()],
    mapping: Annotated[str | None, Form(max_length=20_000, description=(
        "JSON object: column header → field. Headers that are a field's name or its usual Japanese "
        "header (see README) need no mapping."))] = None,
    validate_only: Annotated[bool, Form()] = False,
) -> Response:
    settings = request.app.state.settings
    data = await file.read()
    columns = _mapping(mapping)
    name = (file.filename or "upload")[:255]
    if validate_only:
        report = await import_service.validate(unit, principal, kind=kind, data=data, mapping=columns,
                                               settings=settings)
        return json_response(ImportReport.model_validate(report))
    job, new = await import_service.submit(unit, principal, kind=kind, file_name=name, data=data, mapping=columns,
                                           settings=settings)
    return _job_response(job, 202 if new else 200)


@router.get("/v1/imports/{import_id}", operation_id="get_import", response_model=ImportJobRead,
            summary="An import job: status, rows done of rows total, and its report once run")
async def get_import(import_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    return json_response(ImportJobRead.model_validate(await import_service.get(unit, principal, import_id)))
