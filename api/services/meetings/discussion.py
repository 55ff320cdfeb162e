"""Structured minutes (issue 18, item 9): questions, answers, comments and closing remarks with
each speaker's affiliation, and the attendance breakdown. The secretariat records them while the
meeting is open; once the minutes are published the meeting is a closed record, so what the public
reads is what was published. Closed (非公開) entries never leave the meeting managers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.conventions import check_version
from api.db.models import AgendaItem, CapturedStatistic, Meeting, MeetingAttendanceGroup, MinutesEntry
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, allowed
from api.domain.meeting_discussion import Entry, attendance_breakdown, compose_discussion, is_published
from api.domain.meeting_minutes import minutes_are_public
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem, id_taken, not_found
from api.schemas.meeting_discussion import (
    AttendanceInput,
    AttendanceRead,
    CaptureCreate,
    CapturedStatisticRead,
    MinutesEntryCreate,
    MinutesEntryUpdate,
    PublicDiscussion,
)
from api.schemas.stats import StatTable
from api.schemas.stats_cumulative import CumulativeTable
from api.services import stats as stats_service
from api.services import stats_cumulative
from api.services.meetings import lifecycle as meeting_service
from api.services.meetings import queries
from api.services.stats import Protection

MAX_ENTRIES = 500


async def _meeting(unit: RequestUnit, meeting_id: uuid.UUID) -> Meeting:
    meeting = await unit.session.get(Meeting, meeting_id)
    if meeting is None:
        raise not_found("what.meeting")
    return meeting


async def _entries(unit: RequestUnit, meeting_id: uuid.UUID) -> list[tuple[MinutesEntry, bool | None]]:
    rows = await unit.session.execute(
        select(MinutesEntry, AgendaItem.public).outerjoin(AgendaItem, AgendaItem.id == MinutesEntry.agenda_item_id)
        .where(MinutesEntry.meeting_id == meeting_id).order_by(MinutesEntry.position).limit(MAX_ENTRIES))
    return [(e, public) for e, public in rows.all()]


def _entry(row: MinutesEntry, item_public: bool | None) -> Entry:
    return Entry(id=str(row.id), kind=row.kind, position=row.position,
                 answers_id=str(row.answers_id) if row.answers_id else None, public=row.public,
                 item_public=item_public, speaker=row.speaker, text_ja=row.text_ja, text_en=row.text_en)


async def entries(unit: RequestUnit, principal: Principal, meeting_id: uuid.UUID) -> list[MinutesEntry]:
    """Every entry for the meeting managers; the published ones for everyone else signed in."""
    await _meeting(unit, meeting_id)
    rows = await _entries(unit, meeting_id)
    if allowed(principal, Action.meeting_closed_item_read):
        return [e for e, _ in rows]
    by_id = {str(e.id): _entry(e, p) for e, p in rows}
    return [e for e, _ in rows if is_published(by_id[str(e.id)], by_id)]


async def _check_links(unit: RequestUnit, meeting_id: uuid.UUID, kind: str, agenda_item_id: uuid.UUID | None,
                       answers_id: uuid.UUID | None) -> None:
    if agenda_item_id is not None:
        item = await unit.session.get(AgendaItem, agenda_item_id)
        if item is None or item.meeting_id != meeting_id:
            raise Problem("validation", msg("minutes.item_elsewhere"))
    if (kind == "answer") != (answers_id is not None):
        raise Problem("validation", msg("minutes.answers_not_question"))
    if answers_id is not None:
        question = await unit.session.get(MinutesEntry, answers_id)
        if question is None or question.meeting_id != meeting_id or question.kind != "question":
            raise Problem("validation", msg("minutes.answers_not_question"))


async def create(unit: RequestUnit, meeting_id: uuid.UUID, body: MinutesEntryCreate) -> MinutesEntry:
    meeting = await meeting_service.locked(unit, meeting_id, None)
    meeting_service.require_open(meeting, "discussion")
    if body.id is not None and await unit.session.get(MinutesEntry, body.id) is not None:
        raise id_taken()
    await _check_links(unit, meeting.id, body.kind, body.agenda_item_id, body.answers_id)
    last = await unit.session.scalar(select(func.max(MinutesEntry.position)).where(
        MinutesEntry.meeting_id == meeting.id))
    if (last or 0) >= MAX_ENTRIES:
        raise Problem("conflict", msg("agenda.too_many", max=MAX_ENTRIES))
    entry = MinutesEntry(id=body.id or uuid.uuid4(), meeting_id=meeting.id, position=(last or 0) + 1,
                         **body.model_dump(mode="json", exclude={"id", "agenda_item_id", "answers_id"}),
                         agenda_item_id=body.agenda_item_id, answers_id=body.answers_id)
    unit.session.add(entry)
    await unit.session.flush()
    await meeting_service.touch(unit, meeting)
    unit.audit("create", "minutes_entry", resource_id=entry.id, detail={"meeting_id": str(meeting.id)})
    return entry


async def _locked_entry(unit: RequestUnit, entry_id: uuid.UUID, expected: int) -> tuple[MinutesEntry, Meeting]:
    entry = await unit.session.get(MinutesEntry, entry_id)
    if entry is None:
        raise not_found("what.minutes_entry")
    meeting = await meeting_service.locked(unit, entry.meeting_id, None)
    meeting_service.require_open(meeting, "discussion")
    await unit.session.refresh(entry)
    check_version(entry.version, expected)
    return entry, meeting


async def update(unit: RequestUnit, entry_id: uuid.UUID, expected: int, body: MinutesEntryUpdate) -> MinutesEntry:
    entry, meeting = await _locked_entry(unit, entry_id, expected)
    changes = body.model_dump(mode="json", exclude_unset=True)
    for required in ("speaker", "text_ja", "public"):
        if required in changes and changes[required] is None:
            raise Problem("validation", msg("field.cannot_be_null", field=required))
    for name, value in changes.items():
        setattr(entry, name, value)
    await meeting_service.settle(unit, entry)
    await meeting_service.touch(unit, meeting)
    unit.audit("update", "minutes_entry", resource_id=entry.id, detail={"fields": sorted(changes)})
    return entry


async def remove(unit: RequestUnit, entry_id: uuid.UUID, expected: int) -> None:
    entry, meeting = await _locked_entry(unit, entry_id, expected)
    await unit.session.delete(entry)
    await unit.session.flush()
    await meeting_service.touch(unit, meeting)
    unit.audit("delete", "minutes_entry", resource_id=entry_id, detail={"meeting_id": str(meeting.id)})


async def _groups(unit: RequestUnit, meeting_id: uuid.UUID) -> Sequence[MeetingAttendanceGroup]:
    return (await unit.session.scalars(select(MeetingAttendanceGroup).where(
        MeetingAttendanceGroup.meeting_id == meeting_id).order_by(
        MeetingAttendanceGroup.inside_ward.desc(), MeetingAttendanceGroup.agency_type))).all()


def _attendance(meeting: Meeting, groups: Sequence[MeetingAttendanceGroup]) -> AttendanceRead:
    summary = attendance_breakdown((g.inside_ward, g.agency_type, g.count) for g in groups)
    return AttendanceRead.model_validate({
        "meeting_id": meeting.id, "attendance_count": meeting.attendance_count, **summary,
        "groups": [{"inside_ward": g.inside_ward, "agency_type": g.agency_type, "count": g.count} for g in groups]})


async def attendance(unit: RequestUnit, meeting_id: uuid.UUID) -> tuple[AttendanceRead, int]:
    meeting = await _meeting(unit, meeting_id)
    return _attendance(meeting, await _groups(unit, meeting_id)), meeting.version


async def replace_attendance(unit: RequestUnit, meeting_id: uuid.UUID, expected: int,
                             body: AttendanceInput) -> tuple[AttendanceRead, int]:
    """The whole breakdown in one request, at the meeting's version (its ETag)."""
    meeting = await meeting_service.locked(unit, meeting_id, expected)
    meeting_service.require_open(meeting, "attendance")
    keys = [(g.inside_ward, g.agency_type) for g in body.groups]
    if len(set(keys)) != len(keys):
        raise Problem("validation", msg("minutes.attendance_repeated"))
    await unit.session.execute(delete(MeetingAttendanceGroup).where(MeetingAttendanceGroup.meeting_id == meeting.id))
    unit.session.add_all([MeetingAttendanceGroup(meeting_id=meeting.id, **g.model_dump()) for g in body.groups])
    await unit.session.flush()
    await meeting_service.touch(unit, meeting)
    unit.audit("update", "meeting", resource_id=meeting.id, detail={"fields": ["attendance_groups"]})
    return _attendance(meeting, await _groups(unit, meeting.id)), meeting.version


async def public_discussion(unit: RequestUnit, meeting_id: uuid.UUID) -> PublicDiscussion:
    """Only once the minutes are published, and only what they may show."""
    meeting = await unit.session.get(Meeting, meeting_id)
    if meeting is None or not minutes_are_public(meeting.status):
        raise not_found("what.meeting")
    composed = compose_discussion(_entry(e, p) for e, p in await _entries(unit, meeting.id))
    groups = await _groups(unit, meeting.id)
    return PublicDiscussion.model_validate({
        "meeting_id": meeting.id, "published_at": meeting.published_at, **composed,
        "attendance": _attendance(meeting, groups) if groups else None,
        "captured_figures": await _public_captures(unit, meeting.id)})


# --- captured statistics: an agenda item's figures taken from /v1/stats ---
async def capture(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                  protection: Protection, item_id: uuid.UUID, body: CaptureCreate) -> CapturedStatistic:
    """Ask /v1/stats as the caller (its policy, audit and releases), and freeze query and answer."""
    item = await queries.agenda_item(unit.session, item_id)
    if item is None:
        raise not_found("what.agenda_item")
    meeting = await meeting_service.locked(unit, item.meeting_id, None)
    meeting_service.require_open(meeting, "agenda")
    q = body.query
    answer: StatTable | CumulativeTable
    if q.statistic == stats_cumulative.NAME:
        answer = await stats_cumulative.table(
            unit, reader, principal, protection, fiscal_year_from=q.fiscal_year_from,
            fiscal_year_to=q.fiscal_year_to, programme_code=q.programme_code, branch_code=q.branch_code)
    else:
        answer = await stats_service.table(
            unit, reader, principal, q.statistic, protection, fiscal_year_from=q.fiscal_year_from,
            fiscal_year_to=q.fiscal_year_to, programme_code=q.programme_code, branch_code=q.branch_code)
    captured = CapturedStatistic(agenda_item_id=item.id, label_ja=body.label_ja, statistic=q.statistic,
                                 query=q.model_dump(mode="json"), answer=answer.model_dump(mode="json"),
                                 as_of=answer.as_of, captured_by=principal.id)
    unit.session.add(captured)
    await unit.session.flush()
    await unit.session.refresh(captured, ["captured_at"])
    await meeting_service.touch(unit, meeting)
    unit.audit("create", "captured_statistic", resource_id=captured.id, detail={"agenda_item_id": str(item.id)})
    return captured


async def captured_of_item(unit: RequestUnit, principal: Principal, item_id: uuid.UUID) -> list[CapturedStatistic]:
    """A closed item's captures are withheld like its figures: only the meeting managers see them."""
    item = await queries.agenda_item(unit.session, item_id)
    if item is None:
        raise not_found("what.agenda_item")
    if not item.public and not allowed(principal, Action.meeting_closed_item_read):
        return []
    return list((await unit.session.scalars(select(CapturedStatistic).where(
        CapturedStatistic.agenda_item_id == item.id).order_by(CapturedStatistic.captured_at))).all())


async def _public_captures(unit: RequestUnit, meeting_id: uuid.UUID) -> list[CapturedStatisticRead]:
    rows = await unit.session.scalars(
        select(CapturedStatistic).join(AgendaItem, AgendaItem.id == CapturedStatistic.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.public)
        .order_by(AgendaItem.position, CapturedStatistic.captured_at))
    return [CapturedStatisticRead.model_validate(c, from_attributes=True) for c in rows.all()]
