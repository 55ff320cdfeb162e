"""Structured minutes (issue 18, item 9): Q&A, comments, closing remarks and attendance breakdown."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.routers.stats import _protection
from api.routing import CommitRoute
from api.schemas.meeting_discussion import (
    AttendanceInput,
    AttendanceRead,
    CaptureCreate,
    CapturedStatisticRead,
    MinutesEntryCreate,
    MinutesEntryRead,
    MinutesEntryUpdate,
    PublicDiscussion,
)
from api.services.guard import MeetingManagerDep
from api.services.meetings import discussion as service

router = APIRouter(tags=["meetings"], route_class=CommitRoute)


def _read(entry: object) -> MinutesEntryRead:
    return MinutesEntryRead.model_validate(entry, from_attributes=True)


@router.get("/v1/meetings/{meeting_id}/minutes-entries", operation_id="list_minutes_entries",
            summary="What was said: questions, answers, comments, closing remarks (closed ones for managers only)",
            response_model=list[MinutesEntryRead])
async def list_minutes_entries(meeting_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    return list_response([_read(e) for e in await service.entries(unit, principal, meeting_id)], private=False)


@router.post("/v1/meetings/{meeting_id}/minutes-entries", operation_id="create_minutes_entry",
             summary="Record a question, answer, comment or closing remark (meeting managers)", status_code=201,
             response_model=MinutesEntryRead)
async def create_minutes_entry(meeting_id: uuid.UUID, body: MinutesEntryCreate, principal: MeetingManagerDep,
                               unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        entry = await service.create(unit, meeting_id, body)
        return json_response(_read(entry), status_code=201, version=entry.version, private=False)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch("/v1/minutes-entries/{entry_id}", operation_id="update_minutes_entry",
              summary="Change a minutes entry (meeting managers, If-Match)", response_model=MinutesEntryRead)
async def update_minutes_entry(entry_id: uuid.UUID, body: MinutesEntryUpdate, expected: IfMatchDep,
                               principal: MeetingManagerDep, unit: UnitDep) -> Response:
    entry = await service.update(unit, entry_id, expected, body)
    return json_response(_read(entry), version=entry.version, private=False)


@router.delete("/v1/minutes-entries/{entry_id}", operation_id="delete_minutes_entry", status_code=204,
               summary="Remove a minutes entry (meeting managers, If-Match)", response_class=Response)
async def delete_minutes_entry(entry_id: uuid.UUID, expected: IfMatchDep, principal: MeetingManagerDep,
                               unit: UnitDep) -> Response:
    await service.remove(unit, entry_id, expected)
    return Response(status_code=204)


@router.get("/v1/meetings/{meeting_id}/attendance", operation_id="get_meeting_attendance",
            summary="Attendance split by inside/outside the ward and agency type", response_model=AttendanceRead)
async def get_meeting_attendance(meeting_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    body, version = await service.attendance(unit, meeting_id)
    return json_response(body, version=version, private=False)


@router.put("/v1/meetings/{meeting_id}/attendance", operation_id="replace_meeting_attendance",
            summary="Replace the attendance breakdown (meeting managers, If-Match: the meeting's ETag)",
            response_model=AttendanceRead)
async def replace_meeting_attendance(meeting_id: uuid.UUID, body: AttendanceInput, expected: IfMatchDep,
                                     principal: MeetingManagerDep, unit: UnitDep) -> Response:
    result, version = await service.replace_attendance(unit, meeting_id, expected, body)
    return json_response(result, version=version, private=False)


@router.get("/v1/public/meetings/{meeting_id}/discussion", operation_id="get_public_meeting_discussion",
            summary="The published minutes' questions and answers, closing remarks and attendance (no login)",
            response_model=PublicDiscussion)
async def get_public_meeting_discussion(meeting_id: uuid.UUID, unit: UnitDep) -> Response:
    response = json_response(await service.public_discussion(unit, meeting_id), private=False)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- captured statistics: an agenda item's figures taken from /v1/stats ---
@router.post("/v1/agenda-items/{item_id}/captured-figures", operation_id="capture_agenda_item_figures",
             summary="Capture figures from /v1/stats into an agenda item, the query frozen beside them "
                     "(meeting managers who may read statistics)", status_code=201,
             response_model=CapturedStatisticRead)
async def capture_agenda_item_figures(item_id: uuid.UUID, body: CaptureCreate, request: Request,
                                      principal: MeetingManagerDep, unit: UnitDep, settings: SettingsDep,
                                      idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        captured = await service.capture(unit, request.app.state.replica_sessionmaker, principal,
                                         _protection(settings), item_id, body)
        return json_response(CapturedStatisticRead.model_validate(captured, from_attributes=True), status_code=201,
                             private=False)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/agenda-items/{item_id}/captured-figures", operation_id="list_agenda_item_captured_figures",
            summary="Figures captured from /v1/stats for an agenda item (a closed item's: managers only)",
            response_model=list[CapturedStatisticRead])
async def list_agenda_item_captured_figures(item_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    rows = await service.captured_of_item(unit, principal, item_id)
    return list_response([CapturedStatisticRead.model_validate(c, from_attributes=True) for c in rows],
                         private=False)
