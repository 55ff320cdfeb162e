"""Tables filled by triggers (see the migration that creates them), never by the application:
the change feed's log and the per-worker-day activity summary the dashboard reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from api.db.models.base import Base


class Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit, wraparound-free transaction id (pg_current_xact_id())."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


# Let reflection (the migration drift test) recognise the column type.
ischema_names["xid8"] = Xid8


class ChangeLog(Base):
    """One row per insert or update of a feed resource, written by an AFTER trigger in the writing
    transaction. `xid` lets the reader hold back rows of transactions that may still commit
    below its cursor (see api/services/changes.py)."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_xid_seq", "xid", "seq"),
        # issue 18: a record's later changes (a client's branch as it was when a supervisor's branches changed)
        Index("ix_change_log_resource", "resource_id", "xid", "seq"),
    )
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    xid: Mapped[int] = mapped_column(Xid8(), server_default=func.pg_current_xact_id())
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[uuid.UUID]
    client_id: Mapped[uuid.UUID | None]
    op: Mapped[str] = mapped_column(String(8))
    # On UPDATE, the columns that decide visibility (the trigger's arguments) as they were before
    # and after: the feed runs the scope rules with either put in place (api/services/changes.py).
    scope_before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    scope_after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())


class WorkerDayLoad(Base):
    """Activities per performer per Tokyo calendar day, kept by a trigger on `activity`, so the
    dashboard's capacity figures never scan the activity table."""

    __tablename__ = "worker_day_load"
    __table_args__ = (Index("ix_worker_day_load_day", "day", "performer_id"),)
    performer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    activities: Mapped[int] = mapped_column(server_default="0")
    visits: Mapped[int] = mapped_column(server_default="0")
    minutes: Mapped[int] = mapped_column(server_default="0")
