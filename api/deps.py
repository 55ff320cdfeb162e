"""Typed dependencies every router uses: the unit of work and the principal. Role guards are
api.services.guard's (`allowed_to`, `AdminDep`, …): access is decided there."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import unquote

from fastapi import Depends, Request

from api.config import Settings
from api.db.unit import RequestUnit
from api.domain.principal import Principal
from api.domain.roles import Role
from api.messages import Msg, msg
from api.problems import Problem
from api.schemas.common import strip_forbidden_chars
from api.security import TokenError, TokenService


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def get_unit(request: Request) -> RequestUnit:
    """The request's unit of work. A plain coroutine, not a generator dependency (FastAPI's exit
    stack for one cost ~15 % of a small request): the route class (api.routing.CommitRoute)
    commits it after the endpoint, fails it when anything raises (a guard refusing in a dependency
    included: its durable audit events, the denial itself, are still written) and closes its
    session once the response is made."""
    # Header values are Latin-1 on the wire: a Japanese purpose arrives percent-encoded UTF-8.
    raw_purpose = request.headers.get("x-access-purpose")
    # Percent-decoding can produce NUL or escape sequences: dropped, the audit row must still be written.
    purpose = strip_forbidden_chars(unquote(raw_purpose, errors="replace")) if raw_purpose else None
    unit = RequestUnit(
        session=request.app.state.sessionmaker(),
        context={
            "request_id": request.scope.get("state", {}).get("request_id"),
            "client_addr": client_address(request),
            "purpose": purpose[:200] if purpose else None,
            # How long an Idempotency-Key is remembered (api.conventions.idempotent).
            "idempotency_ttl_s": request.app.state.settings.idempotency_ttl_s,
        },
    )
    request.state.unit = unit
    return unit


UnitDep = Annotated[RequestUnit, Depends(get_unit)]


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

# One round trip decides everything about the token that the signature cannot: the principal and
# its agency are active, the token was issued after their cut-off (disable, re-enable, role or
# password change), and neither the token nor its login (`sid`) was revoked. Run on the driver
# connection (prepared once per connection by asyncpg), not through SQLAlchemy: every request pays it.
_TOKEN_STILL_GOOD = """
           (p.active AND a.active
            AND to_timestamp($2::float8) >= coalesce(greatest(p.tokens_valid_after, a.tokens_valid_after), '-infinity')
            AND NOT EXISTS (SELECT 1 FROM revoked_access_token r WHERE r.jti = $3::text)
            AND NOT EXISTS (SELECT 1 FROM revoked_session s WHERE s.sid = $4::uuid)) AS valid"""
_USER_SQL = f"""
    SELECT p.id, p.display_name AS name, p.role, p.agency_id, p.branch_codes, a.type AS agency_type,
           {_TOKEN_STILL_GOOD}
    FROM user_account p JOIN agency a ON a.id = p.agency_id
    WHERE p.id = $1::uuid
    """
_CLIENT_SQL = f"""
    SELECT p.id, p.name, p.role, p.agency_id, ARRAY[]::varchar[] AS branch_codes, a.type AS agency_type,
           {_TOKEN_STILL_GOOD}
    FROM api_client p JOIN agency a ON a.id = p.agency_id
    WHERE p.id = $1::uuid
    """


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token.strip()


def _unauthenticated(detail: Msg, slug: str = "unauthenticated") -> Problem:
    return Problem(slug, detail, headers={"WWW-Authenticate": 'Bearer realm="setagaya-iko"'})


async def _load_principal(request: Request, unit: RequestUnit, *, required: bool) -> Principal | None:
    token = _bearer(request)
    if token is None:
        if required:
            raise _unauthenticated(msg("auth.token_required"))
        return None
    tokens: TokenService = request.app.state.tokens
    verified = request.scope.get("state", {}).get("access_claims")  # by the rate limiter, this request
    if verified is not None and verified[0] == token:
        claims = verified[1]
    else:
        try:
            claims = tokens.verify_access_token(token)
        except TokenError as exc:
            raise _unauthenticated(msg("auth.token_invalid"), "invalid-token") from exc
    sql = _USER_SQL if claims.principal_kind == "user" else _CLIENT_SQL
    row = await (await unit.driver()).fetchrow(sql, claims.sub, float(claims.iat), claims.jti, claims.sid)
    if row is None or not row["valid"]:
        raise _unauthenticated(msg("auth.token_invalid"), "invalid-token")
    principal = Principal(
        kind=claims.principal_kind,
        id=uuid.UUID(int=row["id"].int),  # the driver's own UUID type is not orjson's
        name=row["name"],
        role=Role(row["role"]),
        agency_id=uuid.UUID(int=row["agency_id"].int),
        agency_type=row["agency_type"],
        branches=frozenset(row["branch_codes"] or ()),
    )
    unit.set_actor(kind=principal.kind, id=principal.id, name=principal.name, role=principal.role,
                   agency_id=principal.agency_id)
    request.scope.setdefault("state", {})["principal_id"] = str(principal.id)
    request.state.principal = principal
    request.state.token_jti = claims.jti
    request.state.token_exp = claims.exp
    return principal


async def get_principal(request: Request, unit: UnitDep) -> Principal:
    principal = await _load_principal(request, unit, required=True)
    assert principal is not None
    return principal


async def get_optional_principal(request: Request, unit: UnitDep) -> Principal | None:
    return await _load_principal(request, unit, required=False)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]
