"""Ending support (issue 18, item 8): episodes nearing their planned end and episodes running long."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.conventions import json_response
from api.deps import PrincipalDep, UnitDep
from api.domain import codes
from api.domain import episode_endings as rules
from api.domain.fiscal import today_tokyo
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.episodes import EpisodeRead
from api.services import episode_endings as service
from api.services import read_models as views
from api.services.shaping import shaped_page

router = APIRouter(tags=["episodes"], route_class=CommitRoute)


@router.get("/v1/episode-endings", operation_id="list_episode_endings",
            summary="Episodes nearing their planned end (ending_soon) or running long (long_running)",
            response_model=Page[EpisodeRead])
async def list_episode_endings(
    request: Request,
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    condition: codes.EpisodeEndingCondition = "ending_soon",
    within_days: Annotated[int | None, Query(
        ge=1, le=rules.MAX_WINDOW_DAYS,
        description="ending_soon: planned end within this many days (default EPISODE_ENDING_WINDOW_DAYS)")] = None,
    longer_than_days: Annotated[int | None, Query(
        ge=1, le=rules.MAX_LONG_RUNNING_DAYS,
        description="long_running: started at least this many days ago (default EPISODE_LONG_RUNNING_DAYS)")] = None,
    on: Annotated[date | None, Query(description="The day to judge from (default today, Asia/Tokyo)")] = None,
) -> Response:
    settings = request.app.state.settings
    days = ((within_days or settings.episode_ending_window_days) if condition == rules.ENDING_SOON
            else (longer_than_days or settings.episode_long_running_days))
    rows, cursor = await service.list_visible(unit, principal, page, condition, on or today_tokyo(), days)
    return json_response(shaped_page([views.episode_view(principal, e, p) for e, p in rows], cursor))
