"""Authorization code with PKCE (RFC 6749 §4.1, RFC 7636, RFC 9700): checking an authorization
request, issuing the code after the login page, and exchanging it at the token endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Agency, AuthorizationCode, OAuthClient, RefreshToken, RevokedAccessToken, UserAccount
from api.db.unit import RequestUnit
from api.domain import pkce
from api.domain.redirect_uris import find_match
from api.messages import msg
from api.security import TokenService, new_opaque_token, opaque_token_hash, verify_password
from api.services.auth import Granted, Refused, issue_user_tokens

MAX_STATE = 500


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    code_challenge: str
    state: str | None = None
    scope: str | None = None

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AuthorizeRequest:
        def text(name: str) -> str | None:
            value = data.get(name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} is not text")
            return value

        client_id, redirect_uri, challenge = text("client_id"), text("redirect_uri"), text("code_challenge")
        if client_id is None or redirect_uri is None or challenge is None:
            raise TypeError("incomplete authorization request")
        return cls(client_id, redirect_uri, challenge, text("state"), text("scope"))


@dataclass(frozen=True, slots=True)
class AuthorizeFailure:
    """`redirect_uri` None: the client or its redirect URI is not trusted, so the error is shown on
    the page and the browser is sent nowhere (RFC 6749 §4.1.2.1)."""

    error: str
    description: str
    redirect_uri: str | None = None
    state: str | None = None


async def active_client(session: AsyncSession, client_id: str) -> OAuthClient | None:
    client = await session.scalar(select(OAuthClient).where(OAuthClient.client_id == client_id))
    return client if client is not None and client.active else None


async def check_authorize(session: AsyncSession,
                          params: Mapping[str, str | None]) -> AuthorizeRequest | AuthorizeFailure:
    client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
    client = await active_client(session, client_id) if client_id and len(client_id) <= 64 else None
    if client is None:
        return AuthorizeFailure("invalid_client", "unknown or disabled client_id")
    if not redirect_uri or len(redirect_uri) > 500 or not find_match(redirect_uri, client.redirect_uris):
        return AuthorizeFailure("invalid_request", "redirect_uri is missing or not registered for this client")
    state = params.get("state")

    def refuse(error: str, description: str) -> AuthorizeFailure:
        return AuthorizeFailure(error, description, redirect_uri, state if state and len(state) <= MAX_STATE else None)

    if state is not None and len(state) > MAX_STATE:
        return refuse("invalid_request", f"state longer than {MAX_STATE} characters")
    if params.get("response_type") != "code":
        return refuse("unsupported_response_type", "only response_type=code")
    challenge = params.get("code_challenge")
    if not challenge or not pkce.valid_challenge(challenge):
        return refuse("invalid_request", "code_challenge (PKCE, S256) is required")
    if params.get("code_challenge_method") != "S256":
        return refuse("invalid_request", "code_challenge_method must be S256")
    scope = params.get("scope")
    if scope is not None and len(scope) > 200:
        return refuse("invalid_scope", "scope too long")
    return AuthorizeRequest(client.client_id, redirect_uri, challenge, state, scope or None)


def redirect_with(redirect_uri: str, params: Mapping[str, str | None], issuer: str) -> str:
    """The redirect back to the app; `iss` lets it tell which server answered (RFC 9207)."""
    query = urlencode({**{k: v for k, v in params.items() if v is not None}, "iss": issuer})
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"


async def issue_code(unit: RequestUnit, settings: Settings, request: AuthorizeRequest, user: UserAccount,
                     amr: list[str]) -> str | None:
    """None when the client was disabled while the user was signing in."""
    session = unit.session
    client = await active_client(session, request.client_id)
    if client is None or not find_match(request.redirect_uri, client.redirect_uris):
        return None
    now = datetime.now(UTC)
    # Spent and expired codes are kept a day, so a late replay still revokes what the code gave.
    await session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < now - timedelta(days=1)))
    code = new_opaque_token()
    session.add(AuthorizationCode(
        code_hash=opaque_token_hash(code), client_pk=client.id, user_id=user.id, redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge, scope=request.scope, amr=amr,
        expires_at=now + timedelta(seconds=settings.authorization_code_ttl_s),
    ))
    await session.flush()
    unit.audit("code_issue", "session", subject=user.username.lower(),
               detail={"client_id": client.client_id, "amr": amr},
               actor={"actor_kind": "user", "actor_id": user.id, "actor_name": user.display_name,
                      "role": user.role, "agency_id": user.agency_id})
    return code


async def _revoke_what_it_gave(session: AsyncSession, stored: AuthorizationCode, now: datetime) -> None:
    if stored.refresh_family_id is not None:
        await session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == stored.refresh_family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    if stored.access_jti is not None and stored.access_expires_at is not None:
        await session.merge(RevokedAccessToken(jti=stored.access_jti, expires_at=stored.access_expires_at))


async def code_grant(unit: RequestUnit, settings: Settings, tokens: TokenService, *, code: str,
                     redirect_uri: str | None, client_id: str | None, client_secret: str | None,
                     code_verifier: str | None) -> Granted | Refused:
    session = unit.session
    now = datetime.now(UTC)
    refused = Refused("invalid-grant", msg("auth.code_invalid"))
    stored = await session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == opaque_token_hash(code)).with_for_update()
    )
    if stored is None:
        unit.audit("login_failed", "session", outcome="failure", detail={"reason": "unknown authorization code"})
        return refused
    client = await session.get(OAuthClient, stored.client_pk)
    assert client is not None  # the foreign key cascades
    if stored.used_at is not None:
        # RFC 6749 §4.1.2: a code seen twice was stolen or replayed; what it gave the first time goes too.
        await _revoke_what_it_gave(session, stored, now)
        unit.audit("code_reuse", "session", outcome="failure", subject=client.client_id,
                   detail={"reason": "authorization code used twice; its tokens revoked"})
        return refused
    # Every attempt spends the code, so a wrong verifier cannot be followed by a right one.
    stored.used_at = now
    if client_id is not None and client_id != client.client_id:
        reason = "code issued to another client"
    elif client.client_type == "confidential" and not (
            client_secret is not None and verify_password(client.secret_hash, client_secret)):
        unit.audit("login_failed", "session", outcome="failure", subject=client.client_id,
                   detail={"reason": "confidential client did not authenticate"})
        return Refused("invalid-client", msg("auth.app_bad_secret"))
    elif client_id is None and client.client_type == "public":
        reason = "client_id missing"
    elif not client.active:
        reason = "client disabled"
    elif stored.expires_at <= now:
        reason = "code expired"
    elif redirect_uri != stored.redirect_uri:
        reason = "redirect_uri differs from the authorization request"
    elif not code_verifier or not pkce.verifier_matches(code_verifier, stored.code_challenge):
        reason = "PKCE code_verifier does not match"
    else:
        reason = ""
    user = await session.get(UserAccount, stored.user_id)
    agency_active = await session.scalar(select(Agency.active).where(Agency.id == user.agency_id)) if user else False
    if not reason and (user is None or not user.active or not agency_active):
        reason = "account disabled"
    if reason or user is None:
        unit.audit("login_failed", "session", outcome="failure", subject=client.client_id, detail={"reason": reason})
        return refused
    granted, family_id, jti = await issue_user_tokens(unit, settings, tokens, user, list(stored.amr))
    stored.refresh_family_id = family_id
    stored.access_jti = jti
    stored.access_expires_at = now + timedelta(seconds=granted.expires_in + 60)
    unit.audit("code_redeem", "session", subject=client.client_id, resource_id=family_id)
    return granted
