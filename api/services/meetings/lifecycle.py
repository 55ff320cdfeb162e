"""Use cases for meetings: plan, edit, and move through scheduled → notice_sent → held →
minutes_published (or cancelled). Each loads, checks, applies the transition and audits; only
flushes (the request commits once, in api.routing.CommitRoute)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import (
    Agency,
    AgendaItem,
    Meeting,
    MeetingAgency,
    NoticeDelivery,
    NoticeSubscription,
)
from api.db.unit import RequestUnit
from api.domain.fiscal import era_label, fiscal_year_of_instant
from api.domain.meeting_minutes import MinutesItem, compose_minutes
from api.domain.meeting_transitions import (
    MEETING_TRANSITIONS,
    TERMINAL_STATUSES,
    MeetingAction,
    MeetingStatus,
    missing_requirements,
)
from api.domain.transitions import IllegalTransition
from api.messages import msg
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import Problem, field_error, id_taken, illegal_transition, invalid_field, invalid_fields, not_found
from api.schemas.meetings import MeetingCreate, MeetingTransition, MeetingUpdate
from api.services import events
from api.services.meetings import queries


@dataclass(frozen=True, slots=True)
class MeetingView:
    meeting: Meeting
    items: list[AgendaItem]
    agency_ids: list[uuid.UUID]


async def view(unit: RequestUnit, meeting: Meeting) -> MeetingView:
    return MeetingView(meeting, await queries.agenda(unit.session, meeting.id),
                       await _represented_agencies(unit.session, meeting.id))


async def get(unit: RequestUnit, meeting_id: uuid.UUID) -> MeetingView:
    meeting = await queries.meeting(unit.session, meeting_id)
    if meeting is None:
        raise not_found("what.meeting")
    return await view(unit, meeting)


async def list_page(unit: RequestUnit, page: PageParams, *, subcommittee_id: uuid.UUID | None,
                    fiscal_year: int | None, status: MeetingStatus | None) -> tuple[list[Meeting], str | None]:
    """By start time; with `updated_since`, by change time, so an incremental pull can page on."""
    stmt = _meetings_stmt(subcommittee_id=subcommittee_id, fiscal_year=fiscal_year,
                              status=status.value if status else None, updated_since=page.updated_since)
    cols = Meeting.__table__.c
    order_col = cols.updated_at if page.updated_since is not None else cols.starts_at
    page = typed_cursor(page, [datetime.fromisoformat, uuid.UUID])
    rows = list((await unit.session.scalars(keyset(stmt, [order_col, cols.id], page))).all())
    key = (lambda m: [m.updated_at.isoformat(), str(m.id)]) if page.updated_since is not None else (
        lambda m: [m.starts_at.isoformat(), str(m.id)])
    return cut(rows, page, key)


async def locked(unit: RequestUnit, meeting_id: uuid.UUID, expected_version: int | None) -> Meeting:
    """The meeting under its row lock, at the version the caller read (when one is required)."""
    meeting = await queries.meeting(unit.session, meeting_id, lock=True)
    if meeting is None:
        raise not_found("what.meeting")
    if expected_version is not None:
        check_version(meeting.version, expected_version)
    return meeting


def require_open(meeting: Meeting, what: str) -> None:
    """A published or cancelled meeting is a closed record: nothing about it changes any more."""
    if MeetingStatus(meeting.status) in TERMINAL_STATUSES:
        raise Problem("conflict", msg("meeting.closed", status=meeting.status, what=msg(f"meeting.part.{what}")),
                      status=meeting.status)


async def settle(unit: RequestUnit, *objects: Any) -> None:
    """Flush, then read back the server-set `updated_at` (async sessions cannot lazy-load it)."""
    await unit.session.flush()
    for obj in objects:
        await unit.session.refresh(obj, ["updated_at"])


async def touch(unit: RequestUnit, meeting: Meeting) -> None:
    """The meeting's ETag covers its agenda: any agenda change gives the meeting a new version."""
    meeting.updated_at = func.now()
    await settle(unit, meeting)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise invalid_field("ends_at", msg("meeting.ends_before_start"), "ends_before_start")


async def create(unit: RequestUnit, data: MeetingCreate) -> MeetingView:
    session = unit.session
    subcommittee = await queries.subcommittee(session, data.subcommittee_id)
    if subcommittee is None:
        unknown = msg("field.unknown_reference", what=msg("what.subcommittee"))
        raise invalid_field("subcommittee_id", unknown, "unknown")
    if data.id is not None and await queries.meeting(session, data.id) is not None:
        raise id_taken()
    _check_times(data.starts_at, data.ends_at)
    venue = data.venue_ja or subcommittee.default_venue_ja
    if venue is None:
        raise invalid_field("venue_ja", msg("field.required"), "missing", detail=msg("meeting.venue_required"))
    fy = fiscal_year_of_instant(data.starts_at)
    sequence = data.sequence or await _next_sequence(session, subcommittee.id, fy)
    if await _sequence_taken(session, subcommittee.id, fy, sequence):
        raise Problem("conflict", msg("meeting.sequence_taken", sequence=sequence, fy=fy))
    meeting = Meeting(
        id=data.id or uuid.uuid4(), subcommittee_id=subcommittee.id, fiscal_year=fy, sequence=sequence,
        title_ja=data.title_ja or f"{era_label(fy)} 第{sequence}回 {subcommittee.name_ja}",
        title_en=data.title_en, starts_at=data.starts_at, ends_at=data.ends_at, venue_ja=venue,
        venue_en=data.venue_en if data.venue_ja else (data.venue_en or subcommittee.default_venue_en),
        room_ja=data.room_ja, room_en=data.room_en, theme_ja=data.theme_ja, theme_en=data.theme_en,
        subtitle_ja=data.subtitle_ja, subtitle_en=data.subtitle_en, status=MeetingStatus.SCHEDULED.value,
    )
    session.add(meeting)
    await session.flush()
    unit.audit("create", "meeting", resource_id=meeting.id)
    return MeetingView(meeting, [], [])


async def update(unit: RequestUnit, meeting_id: uuid.UUID, expected_version: int, data: MeetingUpdate) -> MeetingView:
    meeting = await locked(unit, meeting_id, expected_version)
    require_open(meeting, "details")
    changes = data.model_dump(exclude_unset=True)
    for required in ("title_ja", "starts_at", "ends_at", "venue_ja", "sequence"):
        if required in changes and changes[required] is None:
            raise invalid_field(required, msg("field.null"), "null", detail=msg("field.cannot_be_null", field=required))
    starts_at = changes.get("starts_at", meeting.starts_at)
    _check_times(starts_at, changes.get("ends_at", meeting.ends_at))
    fy = fiscal_year_of_instant(starts_at)
    sequence = changes.get("sequence", meeting.sequence)
    if (fy, sequence) != (meeting.fiscal_year, meeting.sequence) and await _sequence_taken(
            unit.session, meeting.subcommittee_id, fy, sequence, other_than=meeting.id):
        raise Problem("conflict", msg("meeting.sequence_taken", sequence=sequence, fy=fy))
    for name, value in changes.items():
        setattr(meeting, name, value)
    meeting.fiscal_year = fy
    await settle(unit, meeting)
    unit.audit("update", "meeting", resource_id=meeting.id, detail={"fields": sorted(changes)})
    return await view(unit, meeting)


async def transition(unit: RequestUnit, meeting_id: uuid.UUID, action: MeetingAction, expected_version: int,
                     data: MeetingTransition, *, now: datetime | None = None) -> MeetingView:
    now = now or datetime.now(UTC)
    meeting = await locked(unit, meeting_id, expected_version)
    current = MeetingStatus(meeting.status)
    try:
        target = MEETING_TRANSITIONS.target(current, action)
    except IllegalTransition as exc:
        raise illegal_transition(current.value, str(action), exc.allowed_actions,
                                 current_status=current.value) from exc
    _check_transition_body(action, data)
    if action == MeetingAction.HOLD:
        await _hold(unit, meeting, data, now)
    elif action == MeetingAction.SEND_NOTICE:
        await _send_notice(unit, meeting, now)
    elif action == MeetingAction.PUBLISH:
        await _publish(unit, meeting, now)
    else:
        meeting.cancelled_at = now
        meeting.cancellation_reason = data.reason
    meeting.status = target.value
    await settle(unit, meeting)
    unit.audit(action.value, "meeting", resource_id=meeting.id,
               detail={"from": current.value, "to": target.value})
    return await view(unit, meeting)


_REQUIREMENT_FIELDS = {"attendance": "attendance_count"}


def _check_transition_body(action: MeetingAction, data: MeetingTransition) -> None:
    errors: list[dict[str, Any]] = [
        field_error(_REQUIREMENT_FIELDS.get(f, f), msg("field.required"), "missing")
        for f in missing_requirements(action, data.attendance_count)]
    if action != MeetingAction.HOLD:
        errors += [field_error(f, msg("field.not_used", action=action.value), "unexpected")
                   for f in ("attendance_count", "represented_agency_ids") if f in data.model_fields_set]
    if action != MeetingAction.CANCEL and data.reason is not None:
        errors.append(field_error("reason", msg("field.not_used", action=action.value), "unexpected"))
    if errors:
        raise invalid_fields(msg("validation.fields_for", count=len(errors), action=action.value), errors)


async def _hold(unit: RequestUnit, meeting: Meeting, data: MeetingTransition, now: datetime) -> None:
    if meeting.starts_at > now:
        raise Problem("conflict", msg("meeting.held_before_start"))
    unknown = set(data.represented_agency_ids) - await queries.known_agencies(unit.session, data.represented_agency_ids)
    if unknown:
        message = msg("field.unknown_among", what=msg("what.agency"), field="represented_agency_ids")
        raise invalid_field("represented_agency_ids", message, "unknown")
    meeting.attendance_count = data.attendance_count
    meeting.held_at = now
    await _replace_represented_agencies(unit.session, meeting.id, data.represented_agency_ids)


async def _send_notice(unit: RequestUnit, meeting: Meeting, now: datetime) -> None:
    """One delivery per agency subscribed to the subcommittee's notices, grouped by one send id."""
    agency_ids = await _subscribed_active_agencies(unit.session, meeting.subcommittee_id)
    send_id = uuid.uuid4()
    unit.session.add_all(NoticeDelivery(send_id=send_id, meeting_id=meeting.id, agency_id=a, sent_at=now)
                         for a in agency_ids)
    meeting.notice_sent_at = now
    await _notice_sent(unit, meeting, agency_ids)


async def _notice_sent(unit: RequestUnit, meeting: Meeting, agency_ids: list[uuid.UUID]) -> None:
    """The notice of `meeting` was recorded for `agency_ids`: partner systems of those agencies
    hear of it through the webhook outbox, in the same transaction as the deliveries."""
    unit.audit("notice_sent", "meeting", resource_id=meeting.id, detail={"agencies": len(agency_ids)})
    await events.emit(unit, "meeting.notice_sent", "meeting", meeting.id, agency_ids)


async def _publish(unit: RequestUnit, meeting: Meeting, now: datetime) -> None:
    assert meeting.attendance_count is not None  # a held meeting always has its head count
    items = await queries.agenda(unit.session, meeting.id)
    meeting.minutes = compose_minutes(meeting.attendance_count, [
        MinutesItem(position=i.position, outline_number=i.outline_number, kind=i.kind, title_ja=i.title_ja,
                    title_en=i.title_en, presenters=i.presenters, summary_ja=i.summary_ja,
                    summary_en=i.summary_en, figures=i.figures, public=i.public)
        for i in items
    ])
    meeting.published_at = now


async def _represented_agencies(session: AsyncSession, meeting_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = select(MeetingAgency.agency_id).where(MeetingAgency.meeting_id == meeting_id).order_by(
        MeetingAgency.agency_id)
    return list((await session.scalars(stmt)).all())


async def _replace_represented_agencies(session: AsyncSession, meeting_id: uuid.UUID,
                                        agency_ids: Iterable[uuid.UUID]) -> None:
    await session.execute(delete(MeetingAgency).where(MeetingAgency.meeting_id == meeting_id))
    session.add_all(MeetingAgency(meeting_id=meeting_id, agency_id=a) for a in set(agency_ids))


async def _next_sequence(session: AsyncSession, subcommittee_id: uuid.UUID, fiscal_year: int) -> int:
    current = await session.scalar(select(func.max(Meeting.sequence)).where(
        Meeting.subcommittee_id == subcommittee_id, Meeting.fiscal_year == fiscal_year))
    return int(current or 0) + 1


async def _sequence_taken(session: AsyncSession, subcommittee_id: uuid.UUID, fiscal_year: int, sequence: int,
                          *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(Meeting.id).where(Meeting.subcommittee_id == subcommittee_id, Meeting.fiscal_year == fiscal_year,
                                    Meeting.sequence == sequence)
    if other_than is not None:
        stmt = stmt.where(Meeting.id != other_than)
    return await session.scalar(stmt.limit(1)) is not None


def _meetings_stmt(*, subcommittee_id: uuid.UUID | None, fiscal_year: int | None, status: str | None,
                   updated_since: datetime | None) -> Select[Any]:
    stmt = select(Meeting)
    if subcommittee_id is not None:
        stmt = stmt.where(Meeting.subcommittee_id == subcommittee_id)
    if fiscal_year is not None:
        stmt = stmt.where(Meeting.fiscal_year == fiscal_year)
    if status is not None:
        stmt = stmt.where(Meeting.status == status)
    if updated_since is not None:
        stmt = stmt.where(Meeting.updated_at > updated_since)
    return stmt


async def _subscribed_active_agencies(session: AsyncSession, subcommittee_id: uuid.UUID) -> list[uuid.UUID]:
    stmt = (select(NoticeSubscription.agency_id).join(Agency, Agency.id == NoticeSubscription.agency_id)
            .where(NoticeSubscription.subcommittee_id == subcommittee_id, Agency.active.is_(True))
            .order_by(Agency.code))
    return list((await session.scalars(stmt)).all())
