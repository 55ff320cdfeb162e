"""Meetings readable without login: date, venue and theme, minutes once published, and the same
as an iCalendar feed that calendar apps subscribe to. Closed agenda items never reach here."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.conventions import json_response
from api.deps import UnitDep
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.meetings import PublicMeeting, public_meeting
from api.services.meetings import public_calendar as public_service

router = APIRouter(tags=["public"], route_class=CommitRoute)

_PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


@router.get("/v1/public/meetings", operation_id="list_public_meetings",
            summary="Meetings for everyone: date, venue, theme; minutes once published (no login)",
            response_model=Page[PublicMeeting])
async def list_public_meetings(unit: UnitDep, page: PageDep) -> Response:
    rows, next_cursor = await public_service.list_page(unit, page)
    body = Page[PublicMeeting](items=[public_meeting(m, s) for m, s in rows], next_cursor=next_cursor)
    response = json_response(body, private=False)
    response.headers.update(_PUBLIC_CACHE)
    return response


@router.get("/v1/public/meetings.ics", operation_id="get_public_meetings_calendar",
            summary="The meetings as an RFC 5545 iCalendar feed (no login)",
            responses={200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}},
            response_class=Response)
async def get_public_meetings_calendar(unit: UnitDep) -> Response:
    return Response(await public_service.calendar(unit), media_type="text/calendar; charset=utf-8",
                    headers={**_PUBLIC_CACHE, "Content-Disposition": 'inline; filename="meetings.ics"'})
