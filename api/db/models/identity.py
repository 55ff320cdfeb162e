from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ARRAY, Boolean, CheckConstraint, ForeignKey, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.domain.roles import AGENCY_TYPES, MACHINE_ROLES, ROLES


def one_of(column: str, values: Iterable[str]) -> str:
    """A CHECK clause for a coded column; the codes live in api.domain, the database enforces them."""
    return f"{column} IN ({', '.join(repr(v) for v in sorted(values))})"


class Branch(Base):
    __tablename__ = "branch"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(server_default=text("0"))


class Agency(Versioned, Base):
    __tablename__ = "agency"
    __table_args__ = (CheckConstraint(one_of("type", AGENCY_TYPES), name="type"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40))
    branch_code: Mapped[str | None] = mapped_column(ForeignKey("branch.code"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("agency.id"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Access tokens issued (iat) before this instant are refused for good: set when the record is
    # disabled, re-enabled or its role, agency or secret changes (api.services.auth.cut_off_tokens).
    tokens_valid_after: Mapped[datetime | None]


class UserAccount(Versioned, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        Index("uq_user_account_username_lower", func.lower(text("username")), unique=True),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    # The reading (フリガナ), normalised to katakana: the staff directory sorts and searches by it.
    display_name_kana: Mapped[str | None] = mapped_column(String(100, collation="C"))
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    branch_codes: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default=text("'{}'"))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Access tokens issued (iat) before this instant are refused for good: set when the record is
    # disabled, re-enabled or its role, agency or secret changes (api.services.auth.cut_off_tokens).
    tokens_valid_after: Mapped[datetime | None]


class ApiClient(Versioned, Base):
    __tablename__ = "api_client"
    __table_args__ = (CheckConstraint(one_of("role", MACHINE_ROLES), name="role"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agency.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Access tokens issued (iat) before this instant are refused for good: set when the record is
    # disabled, re-enabled or its role, agency or secret changes (api.services.auth.cut_off_tokens).
    tokens_valid_after: Mapped[datetime | None]


class RefreshToken(Base):
    """Opaque refresh tokens, stored as SHA-256 hashes; a family is one login's chain of rotations."""

    __tablename__ = "refresh_token"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # How the login that started this family was authenticated (RFC 8176); refreshed tokens keep it.
    amr: Mapped[list[str] | None] = mapped_column(ARRAY(String(8)))


class RevokedSession(Base):
    """A login (a refresh-token family, the `sid` claim of its access tokens) that was ended: its
    access tokens are refused until they would have expired anyway."""

    __tablename__ = "revoked_session"
    sid: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RevokedAccessToken(Base):
    __tablename__ = "revoked_access_token"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
