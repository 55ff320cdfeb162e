from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base


class AuditEvent(Base):
    """Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE) and hash-chained: each row's
    `hash` covers its content and the previous row's hash, so an edit anywhere breaks the chain."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_client_at", "client_id", "at"),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_action_subject_at", "action", "subject", "at"),
    )
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(32), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[uuid.UUID | None]
    subject: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
