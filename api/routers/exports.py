from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import PrincipalDep, UnitDep
from api.messages import msg
from api.problems import Problem
from api.routing import CommitRoute
from api.services import exports as export_service

router = APIRouter(tags=["exports"], route_class=CommitRoute)

_MEDIA = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@router.get(
    "/v1/exports/{resource}", operation_id="export_records",
    summary="Stream every record of a kind the caller may see (NDJSON or CSV)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                     "description": "One record per line, ordered by (updated_at, id)"}},
)
async def export_records(
    request: Request,
    resource: Annotated[str, Path(max_length=40, description=(
        "clients, episodes, activities, referrals, meetings, related-persons, refusals, service-uses, "
        "risk-flags, support-plans, intakes or advice-requests"))],
    principal: PrincipalDep,
    unit: UnitDep,
    format: Literal["ndjson", "csv"] = "ndjson",
    bom: Annotated[bool, Query(description="Start CSV with a UTF-8 byte-order mark (for Excel)")] = False,
    updated_since: Annotated[datetime | None, Query(description="Only records changed after this instant")] = None,
) -> StreamingResponse:
    if updated_since is not None and updated_since.tzinfo is None:
        raise Problem("validation", msg("time.offset_required", name="updated_since"))
    if resource not in export_service.EXPORTS:
        raise Problem("not-found", msg("not_found", what=msg("what.export", name=resource,
                                                                 allowed=list(export_service.EXPORTS))))
    export_service.start(unit, principal, resource, format, updated_since)
    body = export_service.stream(
        request.app.state.replica_sessionmaker, request.app.state.sessionmaker, principal, resource, format,
        bom, updated_since, dict(unit.actor), dict(unit.context))
    filename = f"{resource}.{'csv' if format == 'csv' else 'ndjson'}"
    return StreamingResponse(body, media_type=_MEDIA[format], headers={
        "Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{filename}"'})
