"""Which ending-support webhook events have been sent (issue 18, item 8): once per episode per condition."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base
from api.db.models.identity import one_of
from api.domain.episode_endings import CONDITIONS


class EpisodeAlertSent(Base):
    __tablename__ = "episode_alert_sent"
    __table_args__ = (CheckConstraint(one_of("condition", CONDITIONS), name="condition"),)
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"), primary_key=True)
    condition: Mapped[str] = mapped_column(String(16), primary_key=True)
    # For ending_soon: the planned end it was sent for; an extension moves the end and sends it again.
    planned_end: Mapped[date | None]
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())
