"""Login (password and client-credentials grants, the login page's password step), refresh-token
rotation and revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db import rate_counters
from api.db.models import Agency, ApiClient, RefreshToken, RevokedAccessToken, UserAccount
from api.db.unit import RequestUnit
from api.domain.principal import Principal
from api.messages import Msg, msg
from api.security import (
    TokenError,
    TokenService,
    hash_password,
    needs_rehash,
    new_opaque_token,
    opaque_token_hash,
    verify_password,
)


@dataclass(frozen=True, slots=True)
class Granted:
    access_token: str
    expires_in: int
    refresh_token: str | None


@dataclass(frozen=True, slots=True)
class Refused:
    slug: str
    detail: Msg
    retry_after: int | None = None


def _actor(kind: str, principal_id: uuid.UUID, name: str, role: str, agency_id: uuid.UUID) -> dict[str, object]:
    return {"actor_kind": kind, "actor_id": principal_id, "actor_name": name, "role": role, "agency_id": agency_id}


async def _throttled(session: AsyncSession, settings: Settings, buckets: list[str]) -> int | None:
    for bucket in buckets:
        count, retry_after = await rate_counters.current(session, bucket, settings.login_window_s)
        if count >= settings.login_max_failures:
            return retry_after
    return None


async def _fail(unit: RequestUnit, settings: Settings, buckets: list[str], subject: str, detail: str) -> None:
    for bucket in buckets:
        await rate_counters.bump(unit.session, bucket, settings.login_window_s)
    unit.audit("login_failed", "session", subject=subject, outcome="failure", detail={"reason": detail})


async def _issue_refresh(session: AsyncSession, settings: Settings, user_id: uuid.UUID,
                         family_id: uuid.UUID | None = None, *, amr: list[str] | None = None) -> str:
    token = new_opaque_token()
    session.add(
        RefreshToken(
            token_hash=opaque_token_hash(token),
            family_id=family_id or uuid.uuid4(),
            user_id=user_id,
            expires_at=datetime.now(UTC) + timedelta(seconds=settings.refresh_token_ttl_s),
            amr=amr,
        )
    )
    await session.flush()
    return token


async def password_grant(unit: RequestUnit, settings: Settings, tokens: TokenService, username: str,
                         password: str, address: str | None) -> Granted | Refused:
    session = unit.session
    buckets = [f"login:user:{username.lower()}", f"login:addr:{address or '-'}"]
    retry_after = await _throttled(session, settings, buckets)
    if retry_after is not None:
        unit.audit("login_failed", "session", subject=username.lower(), outcome="throttled")
        return Refused("login-throttled", msg("auth.throttled"), retry_after)
    row = (
        await session.execute(
            select(UserAccount, Agency.active)
            .join(Agency, Agency.id == UserAccount.agency_id)
            .where(func.lower(UserAccount.username) == username.lower())
        )
    ).one_or_none()
    user = row[0] if row else None
    # Always one Argon2 verification, so unknown user and wrong password take the same time.
    ok = verify_password(user.password_hash if user else None, password)
    if row is None or user is None or not ok or not user.active or not row[1]:
        await _fail(unit, settings, buckets, username.lower(), "bad credentials or inactive account")
        return Refused("invalid-grant", msg("auth.bad_password"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await rate_counters.reset(session, buckets[0])
    access, ttl = tokens.issue_access_token(user.id, "user", amr=["pwd"])
    refresh = await _issue_refresh(session, settings, user.id, amr=["pwd"])
    unit.audit("login", "session", subject=user.username.lower(),
               actor=_actor("user", user.id, user.display_name, user.role, user.agency_id))
    return Granted(access, ttl, refresh)


# --- the seam the login page and the second factor use ------------------------------------------
# They count failures and refuse with exactly the throttle of the password grant, through these
# three calls only, so a change to the throttle's buckets or limits is made in one place.

def user_login_buckets(username: str, address: str | None) -> list[str]:
    return [f"login:user:{username.lower()}", f"login:addr:{address or '-'}"]


async def login_throttled(unit: RequestUnit, settings: Settings, buckets: list[str], subject: str) -> Refused | None:
    retry_after = await _throttled(unit.session, settings, buckets)
    if retry_after is None:
        return None
    unit.audit("login_failed", "session", subject=subject, outcome="throttled")
    return Refused("login-throttled", msg("auth.throttled"), retry_after)


async def login_failed(unit: RequestUnit, settings: Settings, buckets: list[str], subject: str, detail: str) -> None:
    await _fail(unit, settings, buckets, subject, detail)


async def login_succeeded(unit: RequestUnit, buckets: list[str]) -> None:
    await rate_counters.reset(unit.session, buckets[0])


async def check_user_password(unit: RequestUnit, settings: Settings, username: str, password: str,
                              address: str | None) -> UserAccount | Refused:
    """The login page's first step: the password grant's checks, without issuing tokens."""
    buckets = user_login_buckets(username, address)
    refused = await login_throttled(unit, settings, buckets, username.lower())
    if refused is not None:
        return refused
    row = (
        await unit.session.execute(
            select(UserAccount, Agency.active)
            .join(Agency, Agency.id == UserAccount.agency_id)
            .where(func.lower(UserAccount.username) == username.lower())
        )
    ).one_or_none()
    user = row[0] if row else None
    ok = verify_password(user.password_hash if user else None, password)
    if row is None or user is None or not ok or not user.active or not row[1]:
        await login_failed(unit, settings, buckets, username.lower(), "bad credentials or inactive account")
        return Refused("invalid-grant", msg("auth.bad_password"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await login_succeeded(unit, buckets)
    return user


async def issue_user_tokens(unit: RequestUnit, settings: Settings, tokens: TokenService, user: UserAccount,
                            amr: list[str]) -> tuple[Granted, uuid.UUID, str]:
    """Access and refresh token for a login through the authorization code; also the refresh
    family and the access token's id, so that a replayed code can revoke both."""
    access, ttl = tokens.issue_access_token(user.id, "user", amr=amr)
    family_id = uuid.uuid4()
    refresh = await _issue_refresh(unit.session, settings, user.id, family_id, amr=amr)
    unit.audit("login", "session", subject=user.username.lower(), detail={"amr": amr},
               actor=_actor("user", user.id, user.display_name, user.role, user.agency_id))
    return Granted(access, ttl, refresh), family_id, tokens.verify_access_token(access).jti


async def _machine(unit: RequestUnit, settings: Settings, client_id: str, secret: str,
                   address: str | None) -> ApiClient | Refused:
    """The machine client these credentials authenticate, or the refusal (failures are throttled)."""
    session = unit.session
    buckets = [f"login:client:{client_id}", f"login:addr:{address or '-'}"]
    retry_after = await _throttled(session, settings, buckets)
    if retry_after is not None:
        unit.audit("login_failed", "session", subject=client_id, outcome="throttled")
        return Refused("login-throttled", msg("auth.throttled"), retry_after)
    row = (
        await session.execute(
            select(ApiClient, Agency.active)
            .join(Agency, Agency.id == ApiClient.agency_id)
            .where(ApiClient.client_id == client_id)
        )
    ).one_or_none()
    machine = row[0] if row else None
    ok = verify_password(machine.secret_hash if machine else None, secret)
    if row is None or machine is None or not ok or not machine.active or not row[1]:
        await _fail(unit, settings, buckets, client_id, "bad client credentials or inactive client")
        return Refused("invalid-client", msg("auth.bad_client"))
    return machine


async def client_credentials_grant(unit: RequestUnit, settings: Settings, tokens: TokenService, client_id: str,
                                   secret: str, address: str | None) -> Granted | Refused:
    machine = await _machine(unit, settings, client_id, secret, address)
    if isinstance(machine, Refused):
        return machine
    access, ttl = tokens.issue_access_token(machine.id, "client")
    unit.audit("login", "session", subject=client_id,
               actor=_actor("client", machine.id, machine.name, machine.role, machine.agency_id))
    return Granted(access, ttl, None)


async def authenticate_client(unit: RequestUnit, settings: Settings, client_id: str, secret: str,
                              address: str | None) -> Refused:
    """A grant other than client_credentials sent with client authentication: machine clients
    may use client_credentials only (RFC 6749 unauthorized_client); wrong ones are invalid_client."""
    machine = await _machine(unit, settings, client_id, secret, address)
    if isinstance(machine, Refused):
        return machine
    unit.audit("login_failed", "session", subject=client_id, outcome="failure",
               detail={"reason": "machine client asked for a grant other than client_credentials"})
    return Refused("unauthorized-client", msg("auth.machine_grant_only"))


async def refresh_grant(unit: RequestUnit, settings: Settings, tokens: TokenService,
                        refresh_token: str) -> Granted | Refused:
    session = unit.session
    now = datetime.now(UTC)
    stored = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == opaque_token_hash(refresh_token)).with_for_update()
    )
    if stored is None or stored.expires_at <= now:
        unit.audit("login_failed", "session", outcome="failure", detail={"reason": "unknown or expired refresh token"})
        return Refused("invalid-grant", msg("auth.refresh_invalid"))
    if stored.used_at is not None or stored.revoked_at is not None:
        # A spent token came back: someone holds a copy. End the whole login.
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == stored.family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        unit.audit("login_failed", "session", outcome="failure", resource_id=stored.family_id,
                   detail={"reason": "refresh token reuse; family revoked"})
        return Refused("invalid-grant", msg("auth.refresh_invalid"))
    user = await session.get(UserAccount, stored.user_id)
    agency_active = await session.scalar(select(Agency.active).where(Agency.id == user.agency_id)) if user else False
    if user is None or not user.active or not agency_active:
        return Refused("invalid-grant", msg("auth.account_disabled"))
    stored.used_at = now
    refresh = await _issue_refresh(session, settings, user.id, stored.family_id, amr=stored.amr)
    access, ttl = tokens.issue_access_token(user.id, "user", amr=stored.amr)
    unit.audit("login", "session", subject="refresh",
               actor=_actor("user", user.id, user.display_name, user.role, user.agency_id))
    return Granted(access, ttl, refresh)


async def revoke(unit: RequestUnit, tokens: TokenService, token: str) -> None:
    """RFC 7009: revoking answers the same whether or not the token was valid."""
    session = unit.session
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == opaque_token_hash(token)))
    if stored is not None:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == stored.family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        unit.audit("revoke", "session", resource_id=stored.family_id)
        return
    try:
        claims = tokens.verify_access_token(token)
    except TokenError:
        return
    await session.merge(RevokedAccessToken(jti=claims.jti, expires_at=datetime.fromtimestamp(claims.exp, UTC)))
    unit.audit("revoke", "session", resource_id=claims.jti)


async def agency_of(unit: RequestUnit, principal: Principal) -> Agency:
    agency = await unit.session.get(Agency, principal.agency_id)
    assert agency is not None  # the principal query joined it a moment ago
    return agency
