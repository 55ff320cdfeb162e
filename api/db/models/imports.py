from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base


class ImportJob(Base):
    """One upload of a spreadsheet of clients, consents or activities, run as one all-or-nothing
    job. The file is kept only until the job has run (it holds personal data); the report keeps
    row numbers, columns and messages, not the cells."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint("kind IN ('clients', 'consents', 'activities')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        # Same file, same mapping, same agency: one import (unless the earlier one failed).
        Index("uq_import_job_same_file", "agency_id", "kind", "file_sha256", "mapping_sha256", unique=True,
              postgresql_where=text("status <> 'failed'")),
        Index("ix_import_job_queued", "created_at", postgresql_where=text("status = 'queued'")),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict[str, Any]]
    mapping_sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), server_default=text("'queued'"))
    rows_total: Mapped[int]
    rows_done: Mapped[int] = mapped_column(server_default=text("0"))
    report: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
