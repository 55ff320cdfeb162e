"""Councils (協議会), their subcommittees (部会), meetings, agenda items, and the notices
(開催のお知らせ) agencies subscribe to."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain.meeting_minutes import AGENDA_ITEM_KINDS
from api.domain.meeting_transitions import MeetingStatus


class Council(Versioned, Base):
    __tablename__ = "council"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    secretariat_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))


class Subcommittee(Versioned, Base):
    __tablename__ = "subcommittee"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    council_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("council.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    default_venue_ja: Mapped[str | None] = mapped_column(String(200))
    default_venue_en: Mapped[str | None] = mapped_column(String(200))


class Meeting(Versioned, Base):
    """One meeting (部会). `fiscal_year` follows `starts_at` in Tokyo; `sequence` is 第n回 within it."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint(one_of("status", [s.value for s in MeetingStatus]), name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("attendance_count IS NULL OR attendance_count >= 0", name="attendance_not_negative"),
        UniqueConstraint("subcommittee_id", "fiscal_year", "sequence"),
        Index("ix_meeting_starts_at_id", "starts_at", "id"),
        Index("ix_meeting_updated_at_id", "updated_at", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subcommittee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subcommittee.id"))
    fiscal_year: Mapped[int]
    sequence: Mapped[int]
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    venue_ja: Mapped[str] = mapped_column(String(200))
    venue_en: Mapped[str | None] = mapped_column(String(200))
    room_ja: Mapped[str | None] = mapped_column(String(100))
    room_en: Mapped[str | None] = mapped_column(String(100))
    theme_ja: Mapped[str | None] = mapped_column(String(300))
    theme_en: Mapped[str | None] = mapped_column(String(300))
    subtitle_ja: Mapped[str | None] = mapped_column(String(300))
    subtitle_en: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), server_default=text("'scheduled'"))
    attendance_count: Mapped[int | None]
    notice_sent_at: Mapped[datetime | None]
    held_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(String(500))
    # Frozen when published: later edits to the agenda never change what was published.
    minutes: Mapped[dict[str, Any] | None]


class MeetingAgency(Base):
    """An agency represented at a held meeting."""

    __tablename__ = "meeting_agency"
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), primary_key=True, index=True)


class AgendaItem(Versioned, Base):
    __tablename__ = "agenda_item"
    __table_args__ = (
        CheckConstraint(one_of("kind", AGENDA_ITEM_KINDS), name="kind"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("planned_minutes IS NULL OR planned_minutes BETWEEN 0 AND 600", name="planned_minutes"),
        # Deferrable so that a reorder can rewrite every position in one statement; the service
        # checks it again before the request ends (SET CONSTRAINTS … IMMEDIATE).
        UniqueConstraint("meeting_id", "position", deferrable=True, initially="IMMEDIATE"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int]
    outline_number: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    presenters: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    planned_minutes: Mapped[int | None]
    public: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    summary_ja: Mapped[str | None] = mapped_column(Text)
    summary_en: Mapped[str | None] = mapped_column(Text)
    figures: Mapped[list[Any] | None]
    figures_captured_at: Mapped[datetime | None]


class NoticeSubscription(Base):
    """An agency that asked for a subcommittee's meeting notices."""

    __tablename__ = "notice_subscription"
    __table_args__ = (UniqueConstraint("subcommittee_id", "agency_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    subcommittee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subcommittee.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class NoticeDelivery(Base):
    """One notice sent to one agency; `send_id` groups the deliveries of one send."""

    __tablename__ = "notice_delivery"
    __table_args__ = (UniqueConstraint("send_id", "agency_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    send_id: Mapped[uuid.UUID]
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())
