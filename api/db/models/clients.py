from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ARRAY, Boolean, CheckConstraint, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import STAT_KEY_DEFAULT, Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class Programme(Versioned, Base):
    """A support scheme (事業). Data, not code: an admin adds one."""

    __tablename__ = "programme"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    operating_agency_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'")
    )
    default_duration_months: Mapped[int] = mapped_column(server_default=text("12"))
    consent_required: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class Client(Versioned, Base):
    __tablename__ = "client"
    __table_args__ = (
        CheckConstraint(one_of("sex", codes.codes_of(codes.SEXES)), name="sex"),
        CheckConstraint(one_of("residence_type", codes.codes_of(codes.RESIDENCE_TYPES)), name="residence_type"),
        # kana columns use the C collation: code-point order is gojūon order for the sort key, and
        # a plain btree index then serves prefix search (LIKE 'サト%') too.
        Index("ix_client_kana_sort", "kana_sort", "kana", "id"),
        Index("ix_client_kana_prefix", "kana"),
        Index("ix_client_dup", "kana", "date_of_birth"),
        Index("ix_client_updated_at_id", "updated_at", "id"),  # export keyset order
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100))
    kana: Mapped[str] = mapped_column(String(100, collation="C"))
    kana_sort: Mapped[str] = mapped_column(String(100, collation="C"))
    date_of_birth: Mapped[date]
    sex: Mapped[str] = mapped_column(String(16))
    branch_code: Mapped[str] = mapped_column(ForeignKey("branch.code"), index=True)
    residence_type: Mapped[str] = mapped_column(String(32))
    residence_since: Mapped[date | None]
    hospital_agency_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    public_assistance: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    caseworker_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    diagnoses: Mapped[list[str]] = mapped_column(ARRAY(String(8)), server_default=text("'{}'"))
    diagnosis_group: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    emergency_contacts: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"))
    years_inpatient: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    years_homeless: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    deactivated_at: Mapped[datetime | None]
    deactivation_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    stat_key: Mapped[int] = mapped_column(server_default=STAT_KEY_DEFAULT)
    # Set when the retention schedule erased the personal fields in place (api/services/record_retention.py).
    erased_at: Mapped[datetime | None]


class CareTeamMember(Versioned, Base):
    __tablename__ = "care_team_member"
    __table_args__ = (
        CheckConstraint(one_of("team_role", codes.codes_of(codes.TEAM_ROLES)), name="team_role"),
        CheckConstraint("to_date IS NULL OR to_date >= from_date - 1", name="period"),
        Index("ix_care_team_member_user_client", "user_id", "client_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    team_role: Mapped[str] = mapped_column(String(32))
    from_date: Mapped[date]
    to_date: Mapped[date | None]


class Consent(Versioned, Base):
    """One version of a client's consent: who may receive what, for which purposes, until when."""

    __tablename__ = "consent"
    __table_args__ = (
        CheckConstraint(one_of("recorded_how", codes.codes_of(codes.CONSENT_RECORDED_HOW)), name="recorded_how"),
        CheckConstraint("expires_on IS NULL OR expires_on >= given_on", name="period"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    sequence: Mapped[int]
    agency_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"))
    agency_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    programme_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default=text("'{}'"))
    purposes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    data_categories: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    given_on: Mapped[date]
    expires_on: Mapped[date | None]
    recorded_how: Mapped[str] = mapped_column(String(32))
    witness: Mapped[str | None] = mapped_column(String(100))
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_on: Mapped[date | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
