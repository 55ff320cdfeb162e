"""People not yet in support (issue 18, item 3): an enquiry (相談受付) about someone who is not
registered, may not consent yet, or whose birth date is unknown, until it becomes a client."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import STAT_KEY_DEFAULT, Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class Intake(Versioned, Base):
    __tablename__ = "intake"
    __table_args__ = (
        CheckConstraint(one_of("status", codes.codes_of(codes.INTAKE_STATUSES)), name="status"),
        CheckConstraint(one_of("urgency", codes.codes_of(codes.INTAKE_URGENCIES)), name="urgency"),
        CheckConstraint(one_of("referrer_type", codes.codes_of(codes.INTAKE_REFERRER_TYPES)), name="referrer_type"),
        CheckConstraint(one_of("consent_state", codes.codes_of(codes.INTAKE_CONSENT_STATES)), name="consent_state"),
        CheckConstraint(one_of("triage_outcome", codes.codes_of(codes.INTAKE_TRIAGE_OUTCOMES)),
                        name="triage_outcome"),
        CheckConstraint("name IS NOT NULL OR description IS NOT NULL", name="something_known"),
        CheckConstraint("(status = 'converted') = (client_id IS NOT NULL)", name="converted_has_client"),
        Index("ix_intake_received", "received_at", "id"),
        Index("ix_intake_agency", "agency_id", "received_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    branch_code: Mapped[str | None] = mapped_column(ForeignKey("branch.code"), index=True)
    received_at: Mapped[datetime]
    received_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str | None] = mapped_column(String(100))
    kana: Mapped[str | None] = mapped_column(String(100, collation="C"))
    description: Mapped[str | None] = mapped_column(Text)
    birth_date: Mapped[date | None]
    birth_date_approximate: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    age_estimate: Mapped[int | None]
    sex: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32))
    referrer_type: Mapped[str] = mapped_column(String(32))
    referrer_name: Mapped[str | None] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(16))
    consent_state: Mapped[str] = mapped_column(String(16))
    consent_noted_on: Mapped[date | None]
    triage_outcome: Mapped[str] = mapped_column(String(32), server_default=text("'pending'"))
    triage_note: Mapped[str | None] = mapped_column(Text)
    triaged_at: Mapped[datetime | None]
    triaged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'open'"))
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("client.id"), unique=True)
    converted_at: Mapped[datetime | None]
    converted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    stat_key: Mapped[int] = mapped_column(server_default=STAT_KEY_DEFAULT)
