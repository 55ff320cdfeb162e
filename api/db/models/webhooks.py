from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Boolean, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain.webhook_delivery import DELIVERY_STATUSES


class WebhookSubscription(Versioned, Base):
    """A partner agency's endpoint and the events it wants. The secret must be readable because
    the dispatcher signs with it (a hash could not sign): it is stored encrypted with a key kept
    outside the database (api/secret_box.py) and returned to the caller only when it is created or
    rotated. `previous_secret` signs alongside it until its grace period ends."""

    __tablename__ = "webhook_subscription"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    description: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(300))
    previous_secret: Mapped[str | None] = mapped_column(String(300))
    previous_secret_expires_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_by: Mapped[uuid.UUID]


class WebhookDelivery(Base):
    """The outbox: one row per (event, subscription), written in the transaction of the change."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        CheckConstraint(one_of("status", DELIVERY_STATUSES), name="status"),
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_webhook_outbox_subscription_created", "subscription_id", "created_at", "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID]
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[uuid.UUID]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """The delivery log: one row per HTTP attempt, whatever its outcome."""

    __tablename__ = "webhook_delivery_attempt"
    __table_args__ = (Index("ix_webhook_delivery_attempt_delivery_at", "delivery_id", "at", "id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_outbox.id", ondelete="CASCADE"))
    attempt: Mapped[int]
    at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int]
    succeeded: Mapped[bool] = mapped_column(Boolean)
