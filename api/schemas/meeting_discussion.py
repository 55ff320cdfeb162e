"""Structured minutes (issue 18, item 9): entries said at a meeting and the attendance breakdown."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.domain import codes
from api.schemas.common import Input, Name

EntryKind = codes.MinutesEntryKind
AttendanceKind = codes.AttendanceKind
Said = Annotated[str, Field(min_length=1, max_length=5000)]


class Speaker(Input):
    """Who spoke, as the minutes name them: a role rather than a person (「烏山総合支所生活支援課 係長」)."""

    label_ja: Name = Field(description="e.g. メンタルケア支援員（玉川）, フロア参加者")
    affiliation_ja: Name = Field(description="e.g. 委託事業所, 東京都保護課, フロア")
    agency_id: uuid.UUID | None = None
    from_floor: bool = Field(False, description="Spoke from the floor (フロアより)")


class MinutesEntryCreate(Input):
    id: uuid.UUID | None = None
    kind: EntryKind
    speaker: Speaker
    text_ja: Said
    text_en: Said | None = None
    agenda_item_id: uuid.UUID | None = Field(None, description="The agenda item it was said under; a closed "
                                                               "(非公開) item keeps the entry out of the minutes")
    answers_id: uuid.UUID | None = Field(None, description="For an answer: the question it answers")
    public: bool = Field(True, description="false: never in the published minutes")


class MinutesEntryUpdate(Input):
    speaker: Speaker | None = None
    text_ja: Said | None = None
    text_en: Said | None = None
    public: bool | None = None


class MinutesEntryRead(BaseModel):
    id: uuid.UUID
    meeting_id: uuid.UUID
    agenda_item_id: uuid.UUID | None
    answers_id: uuid.UUID | None
    position: int
    kind: EntryKind
    speaker: Speaker
    text_ja: str
    text_en: str | None
    public: bool
    updated_at: datetime
    version: int


class AttendanceGroup(Input):
    inside_ward: bool = Field(description="From inside the ward (区内) or outside (区外)")
    agency_type: AttendanceKind
    count: int = Field(ge=0, le=10000)


class AttendanceInput(Input):
    groups: list[AttendanceGroup] = Field(max_length=50)


class AttendanceByType(BaseModel):
    agency_type: str
    inside_ward: int
    outside_ward: int
    total: int


class AttendanceRead(BaseModel):
    meeting_id: uuid.UUID
    attendance_count: int | None = Field(description="The meeting's head count, as recorded on the meeting")
    total: int = Field(description="The sum of the groups")
    inside_ward: int
    outside_ward: int
    by_agency_type: list[AttendanceByType]
    groups: list[AttendanceGroup]


class SaidRead(BaseModel):
    speaker: Speaker
    text_ja: str
    text_en: str | None


class QuestionRead(SaidRead):
    answers: list[SaidRead]


class PublicDiscussion(BaseModel):
    """The structured part of the published minutes: what was said, by whom, and who came."""

    meeting_id: uuid.UUID
    published_at: datetime | None
    questions: list[QuestionRead]
    comments: list[SaidRead]
    closing_remarks: list[SaidRead]
    attendance: AttendanceRead | None
    captured_figures: list[CapturedStatisticRead] = Field(
        default_factory=list, description="Figures public agenda items captured from /v1/stats, query beside them")


# --- captured statistics: an agenda item's figures taken from /v1/stats ---
CapturableStatistic = codes.CapturableStatistic


class StatisticQuery(Input):
    """The /v1/stats query, as it will be frozen beside the figures it answered."""

    statistic: CapturableStatistic
    fiscal_year_from: int | None = Field(None, ge=1989, le=2200)
    fiscal_year_to: int | None = Field(None, ge=1989, le=2200)
    programme_code: Annotated[str, Field(max_length=64)] | None = None
    branch_code: Annotated[str, Field(max_length=32)] | None = None


class CaptureCreate(Input):
    label_ja: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None, examples=["事業開始からの支援対象者数"])
    query: StatisticQuery


class CapturedStatisticRead(BaseModel):
    id: uuid.UUID
    agenda_item_id: uuid.UUID
    label_ja: str | None
    query: StatisticQuery
    answer: dict[str, Any] = Field(description="The /v1/stats answer as it was at capture (perturbed, as published)")
    as_of: date = Field(description="The date of the release the figures come from")
    captured_at: datetime
