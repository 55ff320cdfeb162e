from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import OPEN_END_SQL, STAT_KEY_DEFAULT, Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class Episode(Versioned, Base):
    """One client enrolled in one programme (支援)."""

    __tablename__ = "episode"
    __table_args__ = (
        CheckConstraint(one_of("status", codes.codes_of(codes.EPISODE_STATUSES)), name="status"),
        CheckConstraint(
            "closure_reason IS NULL OR " + one_of("closure_reason", codes.codes_of(codes.CLOSURE_REASONS)),
            name="closure_reason",
        ),
        Index("ix_episode_status_planned_end", "status", "planned_end"),
        Index("ix_episode_programme_branch", "programme_id", "branch_code"),
        Index("ix_episode_updated_at_id", "updated_at", "id"),  # export keyset order
        # The episode list's order (planned end, open-ended last; id): unfiltered, and by branch + status.
        Index("ix_episode_list_order", sql(f"COALESCE(planned_end, {OPEN_END_SQL})"), "id"),
        Index("ix_episode_branch_status_list_order", "branch_code", "status",
              sql(f"COALESCE(planned_end, {OPEN_END_SQL})"), "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme.id"))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branch.code"))
    operating_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    lead_worker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), server_default=sql("'proposed'"))
    proposed_on: Mapped[date]
    started_on: Mapped[date | None]
    planned_end: Mapped[date | None]
    ended_on: Mapped[date | None]
    closure_reason: Mapped[str | None] = mapped_column(String(32))
    living_situation_at_closure: Mapped[str | None] = mapped_column(String(500))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consent.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    stat_key: Mapped[int] = mapped_column(server_default=STAT_KEY_DEFAULT)


class Decision(Base):
    """A support-meeting decision (支援会議): what was decided, when, by whom."""

    __tablename__ = "decision"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    decided_on: Mapped[date]
    body: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[list[Any]] = mapped_column(server_default=sql("'[]'::jsonb"))
    decision: Mapped[str] = mapped_column(String(2000))
    notes: Mapped[str | None] = mapped_column(Text)
    planned_end: Mapped[date | None]
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EpisodeStatusChange(Base):
    __tablename__ = "episode_status_change"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decision.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    previous_planned_end: Mapped[date | None]
    planned_end: Mapped[date | None]
    readmission: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))
    by_principal: Mapped[uuid.UUID | None]
    at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())


class Goal(Versioned, Base):
    __tablename__ = "goal"
    __table_args__ = (CheckConstraint(one_of("status", codes.codes_of(codes.GOAL_STATUSES)), name="status"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id"), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), server_default=sql("'proposed'"))
    review_on: Mapped[date | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class Activity(Versioned, Base):
    """What staff did (支援記録); duration and travel count toward a worker's daily capacity."""

    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(one_of("kind", codes.codes_of(codes.ACTIVITY_KINDS)), name="kind"),
        CheckConstraint(
            "purpose IS NULL OR " + one_of("purpose", codes.codes_of(codes.ACCOMPANIMENT_PURPOSES)), name="purpose"
        ),
        CheckConstraint("duration_minutes >= 0 AND travel_minutes >= 0", name="minutes"),
        Index("ix_activity_performer_occurred", "performer_id", "occurred_at"),
        Index("ix_activity_episode_occurred", "episode_id", "occurred_at"),
        Index("ix_activity_client_occurred", "client_id", "occurred_at"),
        Index("ix_activity_updated_at_id", "updated_at", "id"),  # export keyset order
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    episode_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("episode.id"))
    kind: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(32))
    off_hours: Mapped[bool] = mapped_column(Boolean, server_default=sql("false"))
    occurred_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(server_default=sql("0"))
    travel_minutes: Mapped[int] = mapped_column(server_default=sql("0"))
    performer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    participants: Mapped[list[Any]] = mapped_column(server_default=sql("'[]'::jsonb"))
    note: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(String(1000))
