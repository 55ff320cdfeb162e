from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import OPEN_END_SQL, STAT_KEY_DEFAULT, Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class Referral(Versioned, Base):
    """One agency asking another to act for a client (紹介・依頼; FHIR Task)."""

    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint(one_of("status", codes.codes_of(codes.REFERRAL_STATUSES)), name="status"),
        CheckConstraint(one_of("purpose", codes.codes_of(codes.REFERRAL_PURPOSES)), name="purpose"),
        CheckConstraint(one_of("priority", codes.codes_of(codes.REFERRAL_PRIORITIES)), name="priority"),
        CheckConstraint("to_agency_id <> from_agency_id", name="other_agency"),
        Index("ix_referral_to_agency_status", "to_agency_id", "status"),
        Index("ix_referral_from_agency_status", "from_agency_id", "status"),
        # The incoming box's order for one receiving agency (due date, none last; id).
        Index("ix_referral_to_agency_list_order", "to_agency_id", sql(f"COALESCE(due_on, {OPEN_END_SQL})"), "id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    from_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    # A staff user or a machine client: no foreign key, as it may point at either table.
    requester_id: Mapped[uuid.UUID]
    requester_kind: Mapped[str] = mapped_column(String(8))
    to_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    # Optionally one service of the receiving agency in the resource directory.
    to_service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"))
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    episode_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("episode.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16), server_default=sql("'routine'"))
    reason: Mapped[str] = mapped_column(String(1000))
    due_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16), server_default=sql("'draft'"))
    status_reason: Mapped[str | None] = mapped_column(String(500))
    business_status: Mapped[str | None] = mapped_column(String(64))
    part_of_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referral.id"), index=True)
    consent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("consent.id"), index=True)
    shared_fields: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=sql("'{}'"))
    # Frozen at send time: the only client data the receiving agency ever sees.
    shared_snapshot: Mapped[dict[str, Any] | None]
    needs_summary: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    stat_key: Mapped[int] = mapped_column(server_default=STAT_KEY_DEFAULT)


class ReferralStatusChange(Base):
    __tablename__ = "referral_status_change"
    __table_args__ = (Index("ix_referral_status_change_referral_at", "referral_id", "at"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    by_principal: Mapped[uuid.UUID | None]
    by_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())


class ReferralMessage(Base):
    """The thread between the two agencies about one referral."""

    __tablename__ = "referral_message"
    __table_args__ = (Index("ix_referral_message_referral_at", "referral_id", "created_at", "id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"))
    author_id: Mapped[uuid.UUID]
    author_kind: Mapped[str] = mapped_column(String(8))
    author_name: Mapped[str] = mapped_column(String(200))
    author_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())


class ThirdPartyProvision(Base):
    """第三者提供の記録 (APPI): to whom, about whom, which items, on which consent, when, by whom.
    Written once per send and never changed or deleted, whatever happens to the referral."""

    __tablename__ = "third_party_provision"
    __table_args__ = (Index("ix_third_party_provision_client_at", "client_id", "provided_at", "id"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"))
    recipient_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"), index=True)
    data_items: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    data_categories: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    purpose: Mapped[str] = mapped_column(String(32))
    consent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("consent.id"))
    provided_by: Mapped[uuid.UUID]
    provided_by_kind: Mapped[str] = mapped_column(String(8))
    provided_by_name: Mapped[str] = mapped_column(String(200))
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"))
    provided_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
