from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base


class StatsSnapshot(Base):
    """A computed, already-suppressed statistics answer, shared by every worker for a short time.
    Holds aggregates only: every figure in it passed small-cell suppression."""

    __tablename__ = "stats_snapshot"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    payload: Mapped[dict[str, Any]]
