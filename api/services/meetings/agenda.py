"""Use cases for a meeting's agenda. Every change takes the meeting's row lock first, so
positions stay 1..n without gaps or duplicates however many requests arrive at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import (
    AgendaItem,
)
from api.db.unit import RequestUnit
from api.messages import msg
from api.problems import Problem, id_taken, invalid_field, not_found
from api.schemas.meetings import AgendaItemCreate, AgendaItemUpdate, AgendaOrder
from api.services.meetings import lifecycle as meeting_service
from api.services.meetings import queries
from api.services.meetings.lifecycle import MeetingView

MAX_ITEMS = 200


async def _check_presenter_agencies(unit: RequestUnit, presenters: list[Any]) -> None:
    # The presenters arrive JSON-dumped (ids as text) because they are stored as JSONB; compare as UUIDs.
    ids = {uuid.UUID(str(p["agency_id"])) for p in presenters if p.get("agency_id") is not None}
    if ids - await queries.known_agencies(unit.session, ids):
        raise invalid_field("presenters", msg("field.unknown_reference", what=msg("what.agency")), "unknown",
                            detail=msg("agenda.unknown_presenter_agency"))


async def add(unit: RequestUnit, meeting_id: uuid.UUID, data: AgendaItemCreate) -> AgendaItem:
    """Appended at the end of the agenda; reorder to move it."""
    meeting = await meeting_service.locked(unit, meeting_id, None)
    meeting_service.require_open(meeting, "agenda")
    if data.id is not None and await queries.agenda_item(unit.session, data.id) is not None:
        raise id_taken()
    position = await _next_position(unit.session, meeting.id)
    if position > MAX_ITEMS:
        raise Problem("conflict", msg("agenda.too_many", max=MAX_ITEMS))
    fields = data.model_dump(mode="json", exclude={"id"})
    await _check_presenter_agencies(unit, fields["presenters"])
    item = AgendaItem(id=data.id or uuid.uuid4(), meeting_id=meeting.id, position=position, **fields,
                      figures_captured_at=datetime.now(UTC) if data.figures is not None else None)
    unit.session.add(item)
    await unit.session.flush()
    await meeting_service.touch(unit, meeting)
    unit.audit("create", "agenda_item", resource_id=item.id, detail={"meeting_id": str(meeting.id)})
    return item


async def _locked_item(unit: RequestUnit, item_id: uuid.UUID, expected_version: int) -> AgendaItem:
    item = await queries.agenda_item(unit.session, item_id)
    if item is None:
        raise not_found("what.agenda_item")
    meeting = await meeting_service.locked(unit, item.meeting_id, None)
    meeting_service.require_open(meeting, "agenda")
    item = await queries.agenda_item(unit.session, item_id)  # re-read under the meeting's lock
    if item is None:
        raise not_found("what.agenda_item")
    check_version(item.version, expected_version)
    return item


async def update(unit: RequestUnit, item_id: uuid.UUID, expected_version: int, data: AgendaItemUpdate) -> AgendaItem:
    item = await _locked_item(unit, item_id, expected_version)
    changes = data.model_dump(mode="json", exclude_unset=True)
    for required in ("kind", "title_ja", "presenters", "public"):
        if required in changes and changes[required] is None:
            raise invalid_field(required, msg("field.null"), "null", detail=msg("field.cannot_be_null", field=required))
    if "presenters" in changes:
        await _check_presenter_agencies(unit, changes["presenters"])
    if "figures" in changes:
        # A new snapshot is a new capture: the time says when these numbers were taken.
        item.figures_captured_at = datetime.now(UTC) if changes["figures"] is not None else None
    for name, value in changes.items():
        setattr(item, name, value)
    await meeting_service.settle(unit, item)
    meeting = await meeting_service.locked(unit, item.meeting_id, None)
    await meeting_service.touch(unit, meeting)
    unit.audit("update", "agenda_item", resource_id=item.id, detail={"fields": sorted(changes)})
    return item


async def remove(unit: RequestUnit, item_id: uuid.UUID, expected_version: int) -> None:
    item = await _locked_item(unit, item_id, expected_version)
    meeting_id = item.meeting_id
    await unit.session.delete(item)
    await unit.session.flush()
    await _write_positions(unit.session, await queries.agenda(unit.session, meeting_id))
    await meeting_service.touch(unit, await meeting_service.locked(unit, meeting_id, None))
    unit.audit("delete", "agenda_item", resource_id=item_id, detail={"meeting_id": str(meeting_id)})


async def reorder(unit: RequestUnit, meeting_id: uuid.UUID, expected_version: int, data: AgendaOrder) -> MeetingView:
    """The whole order in one request: the list must name every item of the meeting exactly once."""
    meeting = await meeting_service.locked(unit, meeting_id, expected_version)
    meeting_service.require_open(meeting, "agenda")
    items = await queries.agenda(unit.session, meeting.id)
    by_id = {i.id: i for i in items}
    if len(set(data.item_ids)) != len(data.item_ids) or set(data.item_ids) != set(by_id):
        raise invalid_field("item_ids", msg("agenda.not_permutation.field"), "not_a_permutation",
                            detail=msg("agenda.not_permutation"), expected_count=len(by_id))
    await _write_positions(unit.session, [by_id[i] for i in data.item_ids])
    await meeting_service.touch(unit, meeting)
    unit.audit("reorder", "meeting", resource_id=meeting.id)
    return await meeting_service.view(unit, meeting)


_AGENDA_UNIQUE = "uq_agenda_item_meeting_id_position"


async def _next_position(session: AsyncSession, meeting_id: uuid.UUID) -> int:
    current = await session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting_id))
    return int(current or 0) + 1


async def _write_positions(session: AsyncSession, items: Sequence[AgendaItem]) -> None:
    """Give `items` the positions 1..n in the order given. The unique (meeting, position)
    constraint is deferred while rows swap places and checked again before returning."""
    await session.execute(text(f"SET CONSTRAINTS {_AGENDA_UNIQUE} DEFERRED"))
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
    await session.flush()
    await session.execute(text(f"SET CONSTRAINTS {_AGENDA_UNIQUE} IMMEDIATE"))
