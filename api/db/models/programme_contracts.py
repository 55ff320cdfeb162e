"""Programme contract terms (issue 18, item 9): the corporation a programme is contracted to."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned


class ProgrammeContract(Versioned, Base):
    """One contract: `agency_id` runs `programme_id` under contract from `starts_on` (to `ends_on`)."""

    __tablename__ = "programme_contract"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    programme_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("programme.id"), index=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    note_ja: Mapped[str | None] = mapped_column(String(500))
