"""Request and response models for councils, meetings, agenda items and notices.

Times go out in Asia/Tokyo (+09:00): the people reading them are in Setagaya."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from api.domain import codes
from api.domain.fiscal import TOKYO, era_label
from api.domain.meeting_minutes import minutes_are_public
from api.domain.meeting_transitions import MEETING_TRANSITIONS, MeetingStatus
from api.schemas.common import Input


def _in_tokyo(value: datetime) -> datetime:
    return value.astimezone(TOKYO)


TokyoTime = Annotated[datetime, AfterValidator(_in_tokyo)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
AgendaKind = codes.AgendaItemKind
Summary = Annotated[str, Field(max_length=20000)]


# ------------------------------------------------------------------------ councils ----


class CouncilCreate(Input):
    id: uuid.UUID | None = Field(None, description="Client-chosen id; generated when omitted")
    code: Code
    name_ja: Name
    name_en: Name | None = None
    secretariat_agency_id: uuid.UUID | None = None


class SubcommitteeCreate(Input):
    id: uuid.UUID | None = None
    code: Code
    name_ja: Name
    name_en: Name | None = None
    default_venue_ja: Name | None = None
    default_venue_en: Name | None = None


class SubcommitteeRead(BaseModel):
    id: uuid.UUID
    council_id: uuid.UUID
    code: str
    name_ja: str
    name_en: str | None
    default_venue_ja: str | None
    default_venue_en: str | None
    version: int


class CouncilRead(BaseModel):
    id: uuid.UUID
    code: str
    name_ja: str
    name_en: str | None
    secretariat_agency_id: uuid.UUID | None
    subcommittees: list[SubcommitteeRead]
    updated_at: TokyoTime
    version: int


# -------------------------------------------------------------------- agenda items ----


class Presenter(Input):
    """Who presents an item; may be a role rather than a person (「烏山総合支所生活支援課 係長」)."""

    name_ja: Name
    name_en: Name | None = None
    title_ja: Annotated[str, Field(max_length=100)] | None = None
    agency_id: uuid.UUID | None = None


class Figure(Input):
    """One aggregate number as shown at the meeting; frozen with the item, never recomputed."""

    key: Annotated[str, Field(min_length=1, max_length=64)]
    label_ja: Name
    label_en: Name | None = None
    value: float
    value_max: float | None = None
    unit: Annotated[str, Field(min_length=1, max_length=32)]
    approximate: bool = False
    branch_code: Annotated[str, Field(max_length=32)] | None = None
    since_fiscal_year: Annotated[int, Field(ge=1900, le=2200)] | None = None


class AgendaItemCreate(Input):
    id: uuid.UUID | None = Field(None, description="Client-chosen id; generated when omitted")
    outline_number: Annotated[str, Field(max_length=16)] | None = Field(None, description='Outline label, e.g. "2.1"')
    kind: AgendaKind
    title_ja: Name
    title_en: Name | None = None
    presenters: Annotated[list[Presenter], Field(max_length=20)] = Field(default_factory=list)
    planned_minutes: Annotated[int, Field(ge=0, le=600)] | None = None
    public: bool = Field(True, description="Closed items (false) never appear in published minutes or public feeds")
    summary_ja: Summary | None = None
    summary_en: Summary | None = None
    figures: Annotated[list[Figure], Field(max_length=50)] | None = None


class AgendaItemUpdate(Input):
    """Only the fields sent change; send null to clear an optional one."""

    outline_number: Annotated[str, Field(max_length=16)] | None = None
    kind: AgendaKind | None = None
    title_ja: Name | None = None
    title_en: Name | None = None
    presenters: Annotated[list[Presenter], Field(max_length=20)] | None = None
    planned_minutes: Annotated[int, Field(ge=0, le=600)] | None = None
    public: bool | None = None
    summary_ja: Summary | None = None
    summary_en: Summary | None = None
    figures: Annotated[list[Figure], Field(max_length=50)] | None = None


class AgendaItemRead(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    position: int = Field(description="1-based; positions of a meeting are always 1..n")
    outline_number: str | None
    kind: str
    title_ja: str
    title_en: str | None
    presenters: list[Presenter]
    planned_minutes: int | None
    public: bool
    summary_ja: str | None = Field(description="Of a closed item: shown to the secretariat and admin only")
    summary_en: str | None
    figures: list[Figure] | None
    figures_captured_at: TokyoTime | None
    updated_at: TokyoTime
    version: int


class AgendaOrder(Input):
    item_ids: Annotated[list[uuid.UUID], Field(max_length=200)] = Field(
        description="Every agenda item of the meeting, once each, in the new order")


# ------------------------------------------------------------------------ meetings ----


class MeetingCreate(Input):
    id: uuid.UUID | None = Field(None, description="Client-chosen id; generated when omitted")
    subcommittee_id: uuid.UUID
    sequence: Annotated[int, Field(ge=1, le=99)] | None = Field(
        None, description="第n回 within the fiscal year; the next free number when omitted")
    title_ja: Name | None = Field(None, description="Defaults to 「平成22年度 第2回 地域移行部会」 style")
    title_en: Name | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue_ja: Name | None = Field(None, description="Defaults to the subcommittee's usual venue")
    venue_en: Name | None = None
    room_ja: Annotated[str, Field(max_length=100)] | None = None
    room_en: Annotated[str, Field(max_length=100)] | None = None
    theme_ja: Annotated[str, Field(max_length=300)] | None = None
    theme_en: Annotated[str, Field(max_length=300)] | None = None
    subtitle_ja: Annotated[str, Field(max_length=300)] | None = None
    subtitle_en: Annotated[str, Field(max_length=300)] | None = None


class MeetingUpdate(Input):
    """Only the fields sent change. Moving the start into another fiscal year renumbers nothing:
    the sequence must still be free there."""

    sequence: Annotated[int, Field(ge=1, le=99)] | None = None
    title_ja: Name | None = None
    title_en: Name | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    venue_ja: Name | None = None
    venue_en: Name | None = None
    room_ja: Annotated[str, Field(max_length=100)] | None = None
    room_en: Annotated[str, Field(max_length=100)] | None = None
    theme_ja: Annotated[str, Field(max_length=300)] | None = None
    theme_en: Annotated[str, Field(max_length=300)] | None = None
    subtitle_ja: Annotated[str, Field(max_length=300)] | None = None
    subtitle_en: Annotated[str, Field(max_length=300)] | None = None


class MeetingTransition(Input):
    attendance_count: Annotated[int, Field(ge=0, le=100000)] | None = Field(
        None, description="hold: the head count (required; 0 is a real count)")
    represented_agency_ids: Annotated[list[uuid.UUID], Field(max_length=500)] = Field(
        [], description="hold: the agencies represented")
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(None, description="cancel: why")


class MeetingSummary(BaseModel):
    id: uuid.UUID
    subcommittee_id: uuid.UUID
    fiscal_year: int
    fiscal_year_label: str = Field(description="e.g. 平成22年度")
    sequence: int
    title_ja: str
    title_en: str | None
    starts_at: TokyoTime
    ends_at: TokyoTime
    venue_ja: str
    venue_en: str | None
    room_ja: str | None
    room_en: str | None
    theme_ja: str | None
    theme_en: str | None
    subtitle_ja: str | None
    subtitle_en: str | None
    status: MeetingStatus
    cancelled: bool
    attendance_count: int | None
    updated_at: TokyoTime
    version: int


class MeetingRead(MeetingSummary):
    allowed_actions: list[str] = Field(description="Transitions possible from the current status")
    represented_agency_ids: list[uuid.UUID]
    notice_sent_at: TokyoTime | None
    held_at: TokyoTime | None
    published_at: TokyoTime | None
    cancelled_at: TokyoTime | None
    cancellation_reason: str | None
    agenda_items: list[AgendaItemRead]


# ------------------------------------------------------------------------- notices ----


class NoticeSubscriptionCreate(Input):
    id: uuid.UUID | None = None
    subcommittee_id: uuid.UUID
    agency_id: uuid.UUID


class NoticeSubscriptionRead(BaseModel):
    id: uuid.UUID
    subcommittee_id: uuid.UUID
    agency_id: uuid.UUID
    agency_name_ja: str
    created_at: TokyoTime


class NoticeDeliveryRead(BaseModel):
    id: uuid.UUID
    send_id: uuid.UUID
    meeting_id: uuid.UUID
    agency_id: uuid.UUID
    agency_name_ja: str
    sent_at: TokyoTime


# -------------------------------------------------------------------------- public ----


class PublicMinutesItem(BaseModel):
    number: int
    outline_number: str | None
    kind: str
    title_ja: str
    title_en: str | None
    presenters: list[Presenter]
    summary_ja: str | None
    summary_en: str | None
    figures: list[Figure] | None


class PublicMinutes(BaseModel):
    published_at: TokyoTime
    attendance_count: int
    items: list[PublicMinutesItem]


class PublicMeeting(BaseModel):
    """What anyone may read: date, venue and theme; the minutes once published."""

    id: uuid.UUID
    subcommittee_name_ja: str
    subcommittee_name_en: str | None
    fiscal_year: int
    fiscal_year_label: str
    sequence: int
    title_ja: str
    title_en: str | None
    starts_at: TokyoTime
    ends_at: TokyoTime
    venue_ja: str
    venue_en: str | None
    room_ja: str | None
    room_en: str | None
    theme_ja: str | None
    theme_en: str | None
    subtitle_ja: str | None
    subtitle_en: str | None
    status: MeetingStatus
    cancelled: bool
    minutes: PublicMinutes | None


# ------------------------------------------------------------------- shaping rows ----
# Response models decide what each reader sees: the content of a closed item is withheld from
# everyone but the meeting managers.

def agenda_item_read(item: Any, *, sees_closed: bool) -> AgendaItemRead:
    withheld = not item.public and not sees_closed
    return AgendaItemRead(
        id=item.id, meeting_id=item.meeting_id, position=item.position, outline_number=item.outline_number,
        kind=item.kind, title_ja=item.title_ja, title_en=item.title_en,
        presenters=[] if withheld else [Presenter.model_validate(p) for p in item.presenters],
        planned_minutes=item.planned_minutes, public=item.public,
        summary_ja=None if withheld else item.summary_ja, summary_en=None if withheld else item.summary_en,
        figures=None if withheld or item.figures is None else [Figure.model_validate(f) for f in item.figures],
        figures_captured_at=None if withheld else item.figures_captured_at,
        updated_at=item.updated_at, version=item.version,
    )


def _meeting_fields(meeting: Any) -> dict[str, Any]:
    return {
        "id": meeting.id, "fiscal_year": meeting.fiscal_year, "fiscal_year_label": era_label(meeting.fiscal_year),
        "sequence": meeting.sequence, "title_ja": meeting.title_ja, "title_en": meeting.title_en,
        "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "venue_ja": meeting.venue_ja,
        "venue_en": meeting.venue_en, "room_ja": meeting.room_ja, "room_en": meeting.room_en,
        "theme_ja": meeting.theme_ja, "theme_en": meeting.theme_en, "subtitle_ja": meeting.subtitle_ja,
        "subtitle_en": meeting.subtitle_en, "status": meeting.status,
        "cancelled": meeting.status == MeetingStatus.CANCELLED,
    }


def meeting_summary(meeting: Any) -> MeetingSummary:
    return MeetingSummary(**_meeting_fields(meeting), subcommittee_id=meeting.subcommittee_id,
                          attendance_count=meeting.attendance_count, updated_at=meeting.updated_at,
                          version=meeting.version)


def meeting_read(meeting: Any, items: list[Any], agency_ids: list[uuid.UUID], *, sees_closed: bool) -> MeetingRead:
    return MeetingRead(
        **meeting_summary(meeting).model_dump(),
        allowed_actions=MEETING_TRANSITIONS.allowed_actions(MeetingStatus(meeting.status)),
        represented_agency_ids=agency_ids,
        notice_sent_at=meeting.notice_sent_at, held_at=meeting.held_at, published_at=meeting.published_at,
        cancelled_at=meeting.cancelled_at, cancellation_reason=meeting.cancellation_reason,
        agenda_items=[agenda_item_read(i, sees_closed=sees_closed) for i in items],
    )


def public_meeting(meeting: Any, subcommittee: Any) -> PublicMeeting:
    """Date, venue and theme of any meeting; its minutes only once published (the frozen
    document, which never held a closed item)."""
    minutes = None
    if minutes_are_public(meeting.status) and meeting.minutes is not None:
        minutes = PublicMinutes(published_at=meeting.published_at,
                                attendance_count=meeting.minutes["attendance_count"],
                                items=[PublicMinutesItem.model_validate(i) for i in meeting.minutes["items"]])
    return PublicMeeting(**_meeting_fields(meeting), subcommittee_name_ja=subcommittee.name_ja,
                         subcommittee_name_en=subcommittee.name_en, minutes=minutes)
