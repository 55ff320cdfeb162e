"""A client's refusal of a profession (a care-team role) or of a named agency."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class ClientRefusal(Versioned, Base):
    __tablename__ = "client_refusal"
    __table_args__ = (
        CheckConstraint("(team_role IS NULL) <> (agency_id IS NULL)", name="one_target"),
        CheckConstraint(f"team_role IS NULL OR {one_of('team_role', codes.codes_of(codes.TEAM_ROLES))}",
                        name="team_role"),
        CheckConstraint(one_of("source", codes.codes_of(codes.REFUSAL_SOURCES)), name="source"),
        CheckConstraint("ended_on IS NULL OR ended_on >= refused_on", name="period"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    team_role: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    refused_on: Mapped[date]
    source: Mapped[str] = mapped_column(String(32))
    source_detail: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
