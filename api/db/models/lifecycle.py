from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned


class CorrectionRequest(Versioned, Base):
    """A request to correct a client's record (訂正請求, APPI art. 34): what was asked, the decision,
    and the field's value before and after, so the history of a corrected field can be shown."""

    __tablename__ = "correction_request"
    __table_args__ = (
        CheckConstraint("status IN ('requested', 'accepted', 'rejected')", name="status"),
        CheckConstraint("source IN ('client', 'representative', 'staff')", name="source"),
        Index("ix_correction_request_client_field", "client_id", "field", "requested_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    field: Mapped[str] = mapped_column(String(32))
    requested_value: Mapped[Any] = mapped_column(JSONB, nullable=True)  # emptied by erasure
    reason: Mapped[str] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date]
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(1000))
    old_value: Mapped[Any | None] = mapped_column(JSONB)
    new_value: Mapped[Any | None] = mapped_column(JSONB)


class EmergencyAccess(Versioned, Base):
    """Break-the-glass: a worker's time-limited read access to a client outside its scope, with the
    stated reason, and the supervisor's or auditor's review of whether it was justified."""

    __tablename__ = "emergency_access"
    __table_args__ = (
        CheckConstraint("review_status IN ('pending', 'justified', 'unjustified')", name="review_status"),
        CheckConstraint("expires_at > opened_at", name="period"),
        Index("ix_emergency_access_user_client_expires", "user_id", "client_id", "expires_at"),
        Index("ix_emergency_access_review", "review_status", "opened_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    reason_code: Mapped[str] = mapped_column(String(32))
    reason_text: Mapped[str] = mapped_column(String(1000))
    opened_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    review_status: Mapped[str] = mapped_column(String(16))
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(1000))
