from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.conventions import json_response
from api.deps import PrincipalDep, UnitDep
from api.routing import CommitRoute
from api.schemas.changes import ChangePage
from api.services import changes as change_service
from api.services.shaping import shape

router = APIRouter(tags=["changes"], route_class=CommitRoute)


@router.get("/v1/changes", operation_id="list_changes", response_model=ChangePage,
            summary="Every change to the records you may see, in commit order, with tombstones")
async def list_changes(
    principal: PrincipalDep,
    unit: UnitDep,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor of the previous answer")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Changes scanned per answer")] = 200,
) -> Response:
    return json_response(shape(principal, await change_service.read(unit, principal, cursor, limit)))
