"""What a client uses now (作業所, ホームヘルプ, グループホーム …) and the risks its care team watches."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class ServiceUse(Versioned, Base):
    __tablename__ = "service_use"
    __table_args__ = (
        CheckConstraint(one_of("kind", codes.codes_of(codes.SERVICE_USE_KINDS)), name="kind"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period"),
        CheckConstraint("days_per_week IS NULL OR days_per_week BETWEEN 0 AND 7", name="days_per_week"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A listing of the resource directory, when the provider is in it; else the provider's name.
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), index=True)
    provider_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    provider_name: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    days_per_week: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class RiskFlag(Versioned, Base):
    __tablename__ = "risk_flag"
    __table_args__ = (
        CheckConstraint(one_of("code", codes.codes_of(codes.RISK_FLAGS)), name="code"),
        CheckConstraint("review_on >= raised_on", name="review"),
        CheckConstraint("resolved_on IS NULL OR resolved_on >= raised_on", name="resolved"),
        # The review list: open flags by review date.
        Index("ix_risk_flag_open_review", "review_on", "id", postgresql_where="resolved_on IS NULL"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    raised_on: Mapped[date]
    review_on: Mapped[date]
    resolved_on: Mapped[date | None]
    resolution: Mapped[str | None] = mapped_column(String(500))
    raised_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
