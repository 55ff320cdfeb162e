"""Sign-in for people through registered apps: OAuth clients (RFC 6749 §2), authorization codes
(stored hashed, single use) and the second factor (TOTP, RFC 6238, with recovery codes)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, CheckConstraint, ForeignKey, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain.redirect_uris import CLIENT_TYPES


class OAuthClient(Versioned, Base):
    """A web or mobile app people sign in through. Public clients (a browser app, a native app) hold
    no secret and rely on PKCE alone; confidential ones also authenticate at the token endpoint."""

    __tablename__ = "oauth_client"
    __table_args__ = (
        CheckConstraint(one_of("client_type", CLIENT_TYPES), name="client_type"),
        CheckConstraint("(client_type = 'confidential') = (secret_hash IS NOT NULL)", name="secret_iff_confidential"),
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    client_type: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str | None] = mapped_column(Text)
    redirect_uris: Mapped[list[str]] = mapped_column(ARRAY(String(500)))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class AuthorizationCode(Base):
    """One code per completed login at the page; the tokens it was exchanged for are remembered so
    that a second use can revoke them (RFC 6749 §4.1.2)."""

    __tablename__ = "authorization_code"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("oauth_client.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    code_challenge: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(200))
    amr: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    refresh_family_id: Mapped[uuid.UUID | None]
    access_jti: Mapped[str | None] = mapped_column(String(64))
    access_expires_at: Mapped[datetime | None]


class TotpEnrolment(Base):
    """A user's TOTP secret. Unconfirmed until the first code is typed; `last_step` is the newest
    time step accepted, so a code (or an older one) never works twice."""

    __tablename__ = "totp_enrolment"
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    __tablename__ = "recovery_code"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None]
