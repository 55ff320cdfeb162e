"""Council meetings (部会): councils, meetings, agendas, transitions and notices. HTTP only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.deps import PrincipalDep, UnitDep
from api.domain.access_rules import Action, allowed
from api.domain.meeting_transitions import MeetingAction, MeetingStatus
from api.domain.principal import Principal
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.meetings import (
    AgendaItemCreate,
    AgendaItemRead,
    AgendaItemUpdate,
    AgendaOrder,
    CouncilCreate,
    CouncilRead,
    MeetingCreate,
    MeetingRead,
    MeetingSummary,
    MeetingTransition,
    MeetingUpdate,
    NoticeDeliveryRead,
    NoticeSubscriptionCreate,
    NoticeSubscriptionRead,
    SubcommitteeCreate,
    SubcommitteeRead,
    agenda_item_read,
    meeting_read,
    meeting_summary,
)
from api.services.guard import MeetingManagerDep
from api.services.meetings import agenda as agenda_service
from api.services.meetings import councils as council_service
from api.services.meetings import lifecycle as meeting_service
from api.services.meetings.lifecycle import MeetingView

router = APIRouter(tags=["meetings"], route_class=CommitRoute)

ManagerDep = MeetingManagerDep


def _meeting_response(view: MeetingView, principal: Principal, *, status_code: int = 200) -> Response:
    body = meeting_read(view.meeting, view.items, view.agency_ids,
                        sees_closed=allowed(principal, Action.meeting_closed_item_read))
    location = f"/v1/meetings/{view.meeting.id}" if status_code == 201 else None
    return json_response(body, status_code=status_code, version=view.meeting.version, location=location)


# ------------------------------------------------------------------------ councils ----


@router.get("/v1/councils", operation_id="list_councils", summary="Councils and their subcommittees",
            response_model=list[CouncilRead])
async def list_councils(principal: PrincipalDep, unit: UnitDep) -> list[CouncilRead]:
    return [
        CouncilRead(id=c.id, code=c.code, name_ja=c.name_ja, name_en=c.name_en,
                    secretariat_agency_id=c.secretariat_agency_id, updated_at=c.updated_at, version=c.version,
                    subcommittees=[SubcommitteeRead.model_validate(s, from_attributes=True) for s in subs])
        for c, subs in await council_service.list_councils(unit)
    ]


@router.post("/v1/councils", operation_id="create_council", summary="Register a council (secretariat, admin)",
             status_code=201, response_model=CouncilRead)
async def create_council(body: CouncilCreate, principal: ManagerDep, unit: UnitDep,
                         idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        council = await council_service.create_council(unit, body)
        read = CouncilRead(id=council.id, code=council.code, name_ja=council.name_ja, name_en=council.name_en,
                           secretariat_agency_id=council.secretariat_agency_id, subcommittees=[],
                           updated_at=council.updated_at, version=council.version)
        return json_response(read, status_code=201, version=council.version)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.post("/v1/councils/{council_id}/subcommittees", operation_id="create_subcommittee",
             summary="Add a subcommittee (部会) to a council (secretariat, admin)", status_code=201,
             response_model=SubcommitteeRead)
async def create_subcommittee(council_id: uuid.UUID, body: SubcommitteeCreate, principal: ManagerDep,
                              unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        sub = await council_service.create_subcommittee(unit, council_id, body)
        return json_response(SubcommitteeRead.model_validate(sub, from_attributes=True), status_code=201,
                             version=sub.version)

    return await idempotent(unit, principal, idempotency_key, body, create)


# ------------------------------------------------------------------------ meetings ----


@router.get("/v1/meetings", operation_id="list_meetings", summary="Meetings, by start time (or change time)",
            response_model=Page[MeetingSummary])
async def list_meetings(
    principal: PrincipalDep, unit: UnitDep, page: PageDep,
    subcommittee_id: uuid.UUID | None = None,
    fiscal_year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    status: MeetingStatus | None = None,
) -> Response:
    rows, next_cursor = await meeting_service.list_page(unit, page, subcommittee_id=subcommittee_id,
                                                        fiscal_year=fiscal_year, status=status)
    return json_response(Page[MeetingSummary](items=[meeting_summary(m) for m in rows], next_cursor=next_cursor))


@router.post("/v1/meetings", operation_id="create_meeting", summary="Plan a meeting (secretariat, admin)",
             status_code=201, response_model=MeetingRead)
async def create_meeting(body: MeetingCreate, principal: ManagerDep, unit: UnitDep,
                         idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        return _meeting_response(await meeting_service.create(unit, body), principal, status_code=201)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/meetings/{meeting_id}", operation_id="get_meeting", summary="A meeting with its agenda",
            response_model=MeetingRead)
async def get_meeting(meeting_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    return _meeting_response(await meeting_service.get(unit, meeting_id), principal)


@router.patch("/v1/meetings/{meeting_id}", operation_id="update_meeting",
              summary="Change a meeting's date, venue or theme (secretariat, admin)", response_model=MeetingRead)
async def update_meeting(meeting_id: uuid.UUID, body: MeetingUpdate, principal: ManagerDep, unit: UnitDep,
                         expected: IfMatchDep) -> Response:
    return _meeting_response(await meeting_service.update(unit, meeting_id, expected, body), principal)


@router.post("/v1/meetings/{meeting_id}/transitions/{action}", operation_id="transition_meeting",
             summary="send_notice, hold (with attendance), publish or cancel a meeting (secretariat, admin)",
             response_model=MeetingRead)
async def transition_meeting(meeting_id: uuid.UUID, action: MeetingAction, principal: ManagerDep, unit: UnitDep,
                             expected: IfMatchDep, body: MeetingTransition | None = None) -> Response:
    view = await meeting_service.transition(unit, meeting_id, action, expected, body or MeetingTransition())
    return _meeting_response(view, principal)


@router.put("/v1/meetings/{meeting_id}/agenda-order", operation_id="reorder_agenda",
            summary="Put the agenda in a new order: every item id once (secretariat, admin)",
            response_model=MeetingRead)
async def reorder_agenda(meeting_id: uuid.UUID, body: AgendaOrder, principal: ManagerDep, unit: UnitDep,
                         expected: IfMatchDep) -> Response:
    return _meeting_response(await agenda_service.reorder(unit, meeting_id, expected, body), principal)


@router.post("/v1/meetings/{meeting_id}/agenda-items", operation_id="create_agenda_item",
             summary="Add an item at the end of the agenda (secretariat, admin)", status_code=201,
             response_model=AgendaItemRead)
async def create_agenda_item(meeting_id: uuid.UUID, body: AgendaItemCreate, principal: ManagerDep, unit: UnitDep,
                             idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        item = await agenda_service.add(unit, meeting_id, body)
        return json_response(agenda_item_read(item, sees_closed=True), status_code=201, version=item.version)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.patch("/v1/agenda-items/{item_id}", operation_id="update_agenda_item",
              summary="Change an agenda item, e.g. write its summary after the meeting (secretariat, admin)",
              response_model=AgendaItemRead)
async def update_agenda_item(item_id: uuid.UUID, body: AgendaItemUpdate, principal: ManagerDep, unit: UnitDep,
                             expected: IfMatchDep) -> Response:
    item = await agenda_service.update(unit, item_id, expected, body)
    return json_response(agenda_item_read(item, sees_closed=True), version=item.version)


@router.delete("/v1/agenda-items/{item_id}", operation_id="delete_agenda_item",
               summary="Remove an agenda item; the items after it move up (secretariat, admin)", status_code=204)
async def delete_agenda_item(item_id: uuid.UUID, principal: ManagerDep, unit: UnitDep,
                             expected: IfMatchDep) -> Response:
    await agenda_service.remove(unit, item_id, expected)
    return Response(status_code=204)


# ------------------------------------------------------------------------- notices ----


@router.get("/v1/meetings/{meeting_id}/notice-deliveries", operation_id="list_notice_deliveries",
            summary="The agencies a meeting's notice was sent to (secretariat, admin)",
            response_model=list[NoticeDeliveryRead])
async def list_notice_deliveries(meeting_id: uuid.UUID, principal: ManagerDep, unit: UnitDep) -> Response:
    rows = await council_service.deliveries(unit, meeting_id)
    items = [NoticeDeliveryRead(id=d.id, send_id=d.send_id, meeting_id=d.meeting_id, agency_id=d.agency_id,
                                agency_name_ja=name, sent_at=d.sent_at) for d, name in rows]
    return Response(_list_json(items), media_type="application/json", headers={"Cache-Control": "no-store"})


def _list_json(items: list[NoticeDeliveryRead] | list[NoticeSubscriptionRead]) -> bytes:
    return b"[" + b",".join(i.model_dump_json().encode() for i in items) + b"]"


def _subscription_read(row: object, name: str) -> NoticeSubscriptionRead:
    return NoticeSubscriptionRead.model_validate({**vars(row), "agency_name_ja": name})


@router.get("/v1/notice-subscriptions", operation_id="list_notice_subscriptions",
            summary="Agencies that receive meeting notices (secretariat, admin)",
            response_model=list[NoticeSubscriptionRead])
async def list_notice_subscriptions(principal: ManagerDep, unit: UnitDep,
                                    subcommittee_id: uuid.UUID | None = None) -> Response:
    rows = await council_service.list_subscriptions(unit, subcommittee_id)
    return Response(_list_json([_subscription_read(s, n) for s, n in rows]), media_type="application/json",
                    headers={"Cache-Control": "no-store"})


@router.post("/v1/notice-subscriptions", operation_id="create_notice_subscription",
             summary="Send an agency a subcommittee's meeting notices (secretariat, admin)", status_code=201,
             response_model=NoticeSubscriptionRead)
async def create_notice_subscription(body: NoticeSubscriptionCreate, principal: ManagerDep, unit: UnitDep,
                                     idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        row, name = await council_service.subscribe(unit, body)
        return json_response(_subscription_read(row, name), status_code=201)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.delete("/v1/notice-subscriptions/{subscription_id}", operation_id="delete_notice_subscription",
               summary="Stop sending an agency the notices (secretariat, admin)", status_code=204)
async def delete_notice_subscription(subscription_id: uuid.UUID, principal: ManagerDep, unit: UnitDep) -> Response:
    await council_service.unsubscribe(unit, subscription_id)
    return Response(status_code=204)
