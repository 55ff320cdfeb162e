"""Structured minutes (issue 18, item 9): questions, answers, comments and closing remarks with the
speaker's affiliation, and the attendance split by inside/outside the ward and agency type."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain.meeting_discussion import ATTENDANCE_KINDS, ENTRY_KINDS


class MinutesEntry(Versioned, Base):
    """One thing said at a meeting. `answers_id` links an answer to its question; `agenda_item_id`
    the agenda item it was said under (a closed item keeps it closed)."""

    __tablename__ = "minutes_entry"
    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("answers_id IS NULL OR kind = 'answer'", name="only_answers_answer"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"))
    answers_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("minutes_entry.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    # The speaker as the minutes name them: a role label, an affiliation, optionally a known agency.
    speaker: Mapped[dict[str, Any]]
    text_ja: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class MeetingAttendanceGroup(Base):
    """How many came from inside or outside the ward, per agency type (or as individuals)."""

    __tablename__ = "meeting_attendance_group"
    __table_args__ = (
        CheckConstraint(one_of("agency_type", ATTENDANCE_KINDS), name="agency_type"),
        CheckConstraint("count >= 0", name="count_not_negative"),
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    inside_ward: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    agency_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int]


class CapturedStatistic(Base):
    """Figures an agenda item reports, captured from /v1/stats: the query frozen beside the answer
    (already perturbed and suppressed, as published) and the release date it came from."""

    __tablename__ = "captured_statistic"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    agenda_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    label_ja: Mapped[str | None] = mapped_column(String(200))
    statistic: Mapped[str] = mapped_column(String(64))
    query: Mapped[dict[str, Any]]
    answer: Mapped[dict[str, Any]]
    as_of: Mapped[date]
    captured_at: Mapped[datetime] = mapped_column(server_default=func.now())
    captured_by: Mapped[uuid.UUID | None]
