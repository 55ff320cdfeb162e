from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base


class StatsSnapshot(Base):
    """One statistics release (api.services.stats_releases): the published, already perturbed figures
    of one statistic and fiscal year, and the true counts of its finest cells, kept only to measure
    how much changed before the next release (never served)."""

    __tablename__ = "stats_snapshot"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    payload: Mapped[dict[str, Any]]
