from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.messages import msg
from api.problems import Problem
from api.routing import CommitRoute
from api.services.readiness import schema_version

router = APIRouter(tags=["health"], route_class=CommitRoute)


@router.get("/healthz", operation_id="healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", operation_id="readyz", summary="The database is reachable and the schema is at head")
async def readyz(request: Request) -> dict[str, Any]:
    expected: str = request.app.state.schema_head
    try:
        current = await schema_version(request.app.state.engine)
    except Exception as exc:
        raise Problem("unavailable", msg("database.unreachable")) from exc
    if current != expected:
        raise Problem("unavailable", msg("health.schema_mismatch", current=current, expected=expected))
    return {"status": "ready", "schema": current}
