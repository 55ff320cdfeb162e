"""Consultations without a client record (issue 18, item 2): a caseworker's request for a
specialist's advice, and staff work tied to no client (phone consultations on non-working days,
the contracted corporation's monthly 支援者支援 talk)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import STAT_KEY_DEFAULT, Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class AdviceRequest(Versioned, Base):
    """「専門的な視点で助言してほしい」: a question from one worker to one specialist, about a client
    the asker sees or about none. The specialist reads the asker's summary, never the client record."""

    __tablename__ = "advice_request"
    __table_args__ = (
        CheckConstraint(one_of("status", codes.codes_of(codes.ADVICE_REQUEST_STATUSES)), name="status"),
        CheckConstraint("answered_at IS NULL OR answered_at >= asked_at", name="turnaround"),
        Index("ix_advice_request_specialist", "specialist_id", "asked_at", "id"),
        Index("ix_advice_request_asker", "asker_id", "asked_at", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    asker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    asker_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    specialist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    specialist_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    client_summary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'open'"))
    asked_at: Mapped[datetime]
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    stat_key: Mapped[int] = mapped_column(server_default=STAT_KEY_DEFAULT)


class StaffActivity(Versioned, Base):
    """Work a staff member did that belongs to no client record; counted in the workload statistics."""

    __tablename__ = "staff_activity"
    __table_args__ = (
        CheckConstraint(one_of("kind", codes.codes_of(codes.STAFF_ACTIVITY_KINDS)), name="kind"),
        CheckConstraint("duration_minutes BETWEEN 1 AND 1440", name="duration"),
        Index("ix_staff_activity_performer_day", "performer_id", "occurred_at", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    performer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    off_hours: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    counterpart: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
