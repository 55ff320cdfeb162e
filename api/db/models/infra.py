from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base


class RateCounter(Base):
    """Fixed-window counters shared by every worker: login failures and request rates."""

    __tablename__ = "rate_counter"
    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(server_default=text("0"))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"
    principal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None]
    response_headers: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
