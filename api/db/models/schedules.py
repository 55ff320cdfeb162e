"""Workers' schedules (issue 18, item 1): which branch office a worker is at on which weekdays, and leave."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned


class WorkPattern(Versioned, Base):
    """A worker at one branch office on some ISO weekdays (1 = Monday) from `valid_from` to `valid_to`."""

    __tablename__ = "work_pattern"
    __table_args__ = (
        CheckConstraint("cardinality(weekdays) BETWEEN 1 AND 7 AND weekdays <@ ARRAY[1,2,3,4,5,6,7]::smallint[]",
                        name="weekdays"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="period"),
        CheckConstraint("visits_per_day BETWEEN 1 AND 20", name="visits_per_day"),
        Index("ix_work_pattern_worker_from", "worker_id", "valid_from"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branch.code"))
    weekdays: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    visits_per_day: Mapped[int] = mapped_column(SmallInteger)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class WorkLeave(Base):
    """Days a worker is away (leave, training): no visits are planned on them."""

    __tablename__ = "work_leave"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="period"),
        Index("ix_work_leave_worker_first", "worker_id", "first_day"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    first_day: Mapped[date]
    last_day: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
