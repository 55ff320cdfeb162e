"""Issue 18, item 7: the support plan a client's care team shares (支援方針の共有).

One plan per episode, in numbered versions. A version is drafted, edited while a draft, then
published; once published it never changes (a change is a new version). Each care-team member
acknowledges the version they have read; the current version is the highest published one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain.support_plans import PLAN_STATUSES


class SupportPlan(Versioned, Base):
    __tablename__ = "support_plan"
    __table_args__ = (
        CheckConstraint(one_of("status", PLAN_STATUSES), name="status"),
        CheckConstraint("(status = 'published') = (published_at IS NOT NULL)", name="published_at"),
        UniqueConstraint("episode_id", "number"),
        # At most one draft per episode: the next version is written in one place.
        Index("uq_support_plan_one_draft", "episode_id", unique=True, postgresql_where=text("status = 'draft'")),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id"))
    # The episode's client, kept here so that scopes and audit rows need no join.
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), server_default=text("'draft'"))
    policy: Mapped[str] = mapped_column(String(4000))
    goals: Mapped[list[Any]] = mapped_column(server_default="[]")
    # [{"user_id": uuid | null, "team_role": code, "task": text}]: who does what.
    assignments: Mapped[list[Any]] = mapped_column(server_default="[]")
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class SupportPlanAcknowledgement(Base):
    """A care-team member has read one published version."""

    __tablename__ = "support_plan_acknowledgement"
    __table_args__ = (UniqueConstraint("plan_id", "user_id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("support_plan.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime] = mapped_column(server_default=func.now())
