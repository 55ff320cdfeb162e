"""Login (password and client-credentials grants, the login page's password step), refresh-token
rotation and revocation."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db import rate_counters
from api.db.models import Agency, ApiClient, RefreshToken, RevokedAccessToken, RevokedSession, UserAccount
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
from api.services import login_throttle


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


async def _throttled(unit: RequestUnit, settings: Settings, attempt: login_throttle.LoginAttempt) -> Refused | None:
    retry_after = await login_throttle.refused(unit.session, settings, attempt)
    if retry_after is None:
        return None
    unit.audit("login_failed", "session", subject=attempt.account_key, outcome="throttled")
    return Refused("login-throttled", msg("auth.throttled"), retry_after)


async def _fail(unit: RequestUnit, settings: Settings, attempt: login_throttle.LoginAttempt, subject: str,
                detail: str) -> None:
    await login_throttle.failed(unit.session, settings, attempt)
    unit.audit("login_failed", "session", subject=subject, outcome="failure", detail={"reason": detail})


def _epoch(*cut_offs: datetime | None) -> int | None:
    """The latest of a principal's token cut-offs, in Unix seconds (None: none set)."""
    present = [c for c in cut_offs if c is not None]
    return int(max(present).timestamp()) if present else None


def cut_off_tokens(record: UserAccount | ApiClient | Agency) -> None:
    """Every access token issued to `record` (or, for an agency, to its people and machines) until
    now is refused from the next request on, for good: called when it is disabled or re-enabled,
    and when a user's role, agency or password or a machine's secret changes.

    Token `iat`s are whole seconds, so the cut-off is the next whole second: a token from this
    very second is refused too, and tokens issued from here on are dated at the cut-off at the
    earliest (`issue_access_token(not_before=...)`)."""
    cut_off = int(time.time()) + 1
    previous = record.tokens_valid_after
    if previous is not None:
        # Two cut-offs within one second: a token dated at the first (issued in between) must still
        # fall before the second.
        cut_off = max(cut_off, int(previous.timestamp()) + 1)
    record.tokens_valid_after = datetime.fromtimestamp(cut_off, UTC)


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


async def _check_password(unit: RequestUnit, settings: Settings, username: str, password: str,
                          address: str | None) -> tuple[UserAccount, datetime | None] | Refused:
    """The password login's checks, throttle included; the user and its agency's token cut-off."""
    session = unit.session
    attempt = login_throttle.LoginAttempt("user", username, address)
    if (throttled := await _throttled(unit, settings, attempt)) is not None:
        return throttled
    row = (
        await session.execute(
            select(UserAccount, Agency.active, Agency.tokens_valid_after)
            .join(Agency, Agency.id == UserAccount.agency_id)
            .where(func.lower(UserAccount.username) == username.lower())
        )
    ).one_or_none()
    user = row[0] if row else None
    # Always one Argon2 verification, so unknown user and wrong password take the same time.
    ok = verify_password(user.password_hash if user else None, password)
    if row is None or user is None or not ok or not user.active or not row[1]:
        await _fail(unit, settings, attempt, username.lower(), "bad credentials or inactive account")
        return Refused("invalid-grant", msg("auth.bad_password"))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    await login_throttle.succeeded(session, attempt)
    return user, row[2]


async def check_user_password(unit: RequestUnit, settings: Settings, username: str, password: str,
                              address: str | None) -> UserAccount | Refused:
    """The login page's first step: the password grant's checks, without issuing tokens."""
    checked = await _check_password(unit, settings, username, password, address)
    return checked if isinstance(checked, Refused) else checked[0]


async def password_grant(unit: RequestUnit, settings: Settings, tokens: TokenService, username: str,
                         password: str, address: str | None) -> Granted | Refused:
    checked = await _check_password(unit, settings, username, password, address)
    if isinstance(checked, Refused):
        return checked
    user, agency_cut_off = checked
    session_id = uuid.uuid4()
    refresh = await _issue_refresh(unit.session, settings, user.id, session_id, amr=["pwd"])
    access, ttl = tokens.issue_access_token(user.id, "user", sid=session_id,
                                            not_before=_epoch(user.tokens_valid_after, agency_cut_off), amr=["pwd"])
    unit.audit("login", "session", subject=user.username.lower(),
               actor=_actor("user", user.id, user.display_name, user.role, user.agency_id))
    return Granted(access, ttl, refresh)


@dataclass(frozen=True, slots=True)
class _Machine:
    client: ApiClient
    cut_off: int | None  # the latest of its own and its agency's token cut-offs (Unix seconds)


# --- the seam the login page and the second factor use ------------------------------------------
# They count failures and refuse with exactly the throttle of the password grant (the same buckets
# and limits, api.services.login_throttle), through these calls only.

def user_login_buckets(settings: Settings, username: str, address: str | None) -> list[tuple[str, int]]:
    """(bucket, limit) pairs of a user's login from `address`; the first is cleared on success."""
    return login_throttle.LoginAttempt("user", username, address).buckets(settings)


async def login_throttled(unit: RequestUnit, settings: Settings, buckets: list[tuple[str, int]],
                          subject: str) -> Refused | None:
    retry_after = await login_throttle.refused_in(unit.session, settings, buckets)
    if retry_after is None:
        return None
    unit.audit("login_failed", "session", subject=subject, outcome="throttled")
    return Refused("login-throttled", msg("auth.throttled"), retry_after)


async def login_failed(unit: RequestUnit, settings: Settings, buckets: list[tuple[str, int]], subject: str,
                       detail: str) -> None:
    await login_throttle.failed_in(unit.session, settings, buckets)
    unit.audit("login_failed", "session", subject=subject, outcome="failure", detail={"reason": detail})


async def login_succeeded(unit: RequestUnit, buckets: list[tuple[str, int]]) -> None:
    await rate_counters.reset(unit.session, buckets[0][0])


async def issue_user_tokens(unit: RequestUnit, settings: Settings, tokens: TokenService, user: UserAccount,
                            amr: list[str]) -> tuple[Granted, uuid.UUID, str]:
    """Access and refresh token for a login through the authorization code; also the refresh
    family (the login's `sid`) and the access token's id, so that a replayed code can revoke both."""
    family_id = uuid.uuid4()
    cut_off = await unit.session.scalar(select(Agency.tokens_valid_after).where(Agency.id == user.agency_id))
    access, ttl = tokens.issue_access_token(user.id, "user", sid=family_id,
                                            not_before=_epoch(user.tokens_valid_after, cut_off), amr=amr)
    refresh = await _issue_refresh(unit.session, settings, user.id, family_id, amr=amr)
    unit.audit("login", "session", subject=user.username.lower(), detail={"amr": amr},
               actor=_actor("user", user.id, user.display_name, user.role, user.agency_id))
    return Granted(access, ttl, refresh), family_id, tokens.verify_access_token(access).jti


async def _machine(unit: RequestUnit, settings: Settings, client_id: str, secret: str,
                   address: str | None) -> _Machine | Refused:
    """The machine client these credentials authenticate, or the refusal (failures are throttled)."""
    session = unit.session
    attempt = login_throttle.LoginAttempt("client", client_id, address)
    if (throttled := await _throttled(unit, settings, attempt)) is not None:
        return throttled
    row = (
        await session.execute(
            select(ApiClient, Agency.active, Agency.tokens_valid_after)
            .join(Agency, Agency.id == ApiClient.agency_id)
            .where(ApiClient.client_id == client_id)
        )
    ).one_or_none()
    machine = row[0] if row else None
    ok = verify_password(machine.secret_hash if machine else None, secret)
    if row is None or machine is None or not ok or not machine.active or not row[1]:
        await _fail(unit, settings, attempt, client_id, "bad client credentials or inactive client")
        return Refused("invalid-client", msg("auth.bad_client"))
    await login_throttle.succeeded(session, attempt)
    return _Machine(machine, _epoch(machine.tokens_valid_after, row[2]))


async def client_credentials_grant(unit: RequestUnit, settings: Settings, tokens: TokenService, client_id: str,
                                   secret: str, address: str | None) -> Granted | Refused:
    found = await _machine(unit, settings, client_id, secret, address)
    if isinstance(found, Refused):
        return found
    machine = found.client
    access, ttl = tokens.issue_access_token(machine.id, "client", not_before=found.cut_off)
    unit.audit("login", "session", subject=client_id,
               actor=_actor("client", machine.id, machine.name, machine.role, machine.agency_id))
    return Granted(access, ttl, None)


async def authenticate_client(unit: RequestUnit, settings: Settings, client_id: str, secret: str,
                              address: str | None) -> Refused:
    """A grant other than client_credentials sent with client authentication: machine clients
    may use client_credentials only (RFC 6749 unauthorized_client); wrong ones are invalid_client."""
    found = await _machine(unit, settings, client_id, secret, address)
    if isinstance(found, Refused):
        return found
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
        # A spent token came back: someone holds a copy. End the whole login, its access tokens too.
        await end_login(session, settings, stored.family_id)
        unit.audit("login_failed", "session", outcome="failure", resource_id=stored.family_id,
                   detail={"reason": "refresh token reuse; family revoked"})
        return Refused("invalid-grant", msg("auth.refresh_invalid"))
    row = (await session.execute(
        select(UserAccount, Agency.active, Agency.tokens_valid_after)
        .join(Agency, Agency.id == UserAccount.agency_id).where(UserAccount.id == stored.user_id))).one_or_none()
    if row is None or not row[0].active or not row[1]:
        return Refused("invalid-grant", msg("auth.account_disabled"))
    user = row[0]
    cut_off = _epoch(user.tokens_valid_after, row[2])
    if cut_off is not None and stored.issued_at.timestamp() < cut_off:
        # Issued before a disable, re-enable, role or password change: that login is over for good.
        return Refused("invalid-grant", msg("auth.refresh_invalid"))
    stored.used_at = now
    refresh = await _issue_refresh(session, settings, user.id, stored.family_id, amr=stored.amr)
    access, ttl = tokens.issue_access_token(user.id, "user", sid=stored.family_id, not_before=cut_off, amr=stored.amr)
    unit.audit("login", "session", subject="refresh",
               actor=_actor("user", user.id, user.display_name, user.role, user.agency_id))
    return Granted(access, ttl, refresh)


async def end_login(session: AsyncSession, settings: Settings, family_id: uuid.UUID) -> None:
    """A login ends: its refresh tokens stop working, and so do the access tokens issued from it
    (their `sid` is checked with the principal on every request) until they would have expired."""
    now = datetime.now(UTC)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # Rows past their expiry guard nothing any more; ending a login is rare enough to tidy here.
    await session.execute(delete(RevokedSession).where(RevokedSession.expires_at < now))
    await session.execute(
        pg_insert(RevokedSession)
        .values(sid=family_id, expires_at=now + timedelta(seconds=settings.access_token_ttl_s + 60))
        .on_conflict_do_update(index_elements=[RevokedSession.sid], set_={"expires_at": pg_insert(
            RevokedSession).excluded.expires_at})
    )


async def revoke(unit: RequestUnit, settings: Settings, tokens: TokenService, token: str) -> None:
    """RFC 7009: revoking answers the same whether or not the token was valid. A refresh token
    ends its whole login; an access token only itself."""
    session = unit.session
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == opaque_token_hash(token)))
    if stored is not None:
        await end_login(session, settings, stored.family_id)
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
