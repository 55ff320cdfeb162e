from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from api.deps import PrincipalDep, SettingsDep, UnitDep, client_address
from api.problems import Problem, problem_response
from api.routing import CommitRoute
from api.schemas.auth import AgencyRef, AuthServerMetadata, JWKSet, MeRead, TokenResponse
from api.services import auth as auth_service
from api.services import oauth

router = APIRouter(tags=["auth"], route_class=CommitRoute)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_OAUTH_ERRORS = {"invalid-grant": "invalid_grant", "invalid-client": "invalid_client",
                 "unsupported-grant-type": "unsupported_grant_type", "login-throttled": "invalid_grant"}


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else None


@router.post(
    "/v1/auth/token",
    operation_id="create_token",
    summary="Tokens: OAuth2 authorization_code (with PKCE), refresh_token, client_credentials, and the "
    "password grant where it is turned on",
    response_model=TokenResponse,
)
async def create_token(
    request: Request,
    unit: UnitDep,
    settings: SettingsDep,
    grant_type: Annotated[Literal["authorization_code", "password", "client_credentials", "refresh_token"], Form()],
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    client_secret: Annotated[str | None, Form(max_length=1024)] = None,
    refresh_token: Annotated[str | None, Form(max_length=512)] = None,
    scope: Annotated[str | None, Form(max_length=200)] = None,
    code: Annotated[str | None, Form(max_length=100)] = None,
    redirect_uri: Annotated[str | None, Form(max_length=500)] = None,
    code_verifier: Annotated[str | None, Form(max_length=128)] = None,
) -> Response:
    tokens = request.app.state.tokens
    address = client_address(request)
    result: auth_service.Granted | auth_service.Refused
    if grant_type == "authorization_code":
        if not code:
            raise Problem("validation", "The authorization_code grant needs code, redirect_uri and code_verifier.")
        basic = _basic_credentials(request)
        cid, secret = basic if basic else (client_id, client_secret)
        result = await oauth.code_grant(unit, settings, tokens, code=code, redirect_uri=redirect_uri, client_id=cid,
                                        client_secret=secret, code_verifier=code_verifier)
    elif grant_type == "password" and not settings.password_grant_on:
        unit.audit("login_failed", "session", outcome="failure", subject=(username or "").lower()[:64] or None,
                   detail={"reason": "password grant turned off"})
        result = auth_service.Refused(
            "unsupported-grant-type",
            "The password grant is turned off: sign in through /v1/auth/authorize (authorization code with PKCE).")
    elif grant_type == "password":
        if not username or password is None:
            raise Problem("validation", "The password grant needs username and password.")
        result = await auth_service.password_grant(unit, settings, tokens, username, password, address)
    elif grant_type == "client_credentials":
        basic = _basic_credentials(request)
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or secret is None:
            raise Problem("validation", "The client_credentials grant needs client_id and client_secret.")
        result = await auth_service.client_credentials_grant(unit, settings, tokens, cid, secret, address)
    else:
        if not refresh_token:
            raise Problem("validation", "The refresh_token grant needs refresh_token.")
        result = await auth_service.refresh_grant(unit, settings, tokens, refresh_token)
    if isinstance(result, auth_service.Refused):
        headers = dict(_NO_STORE)
        if result.retry_after is not None:
            headers["Retry-After"] = str(result.retry_after)
        # RFC 6749 §5.2's `error` member beside the problem's own, for OAuth client libraries.
        return problem_response(request, result.slug, result.detail, headers=headers,
                                error=_OAUTH_ERRORS.get(result.slug, "invalid_request"))
    body = TokenResponse(access_token=result.access_token, expires_in=result.expires_in,
                         refresh_token=result.refresh_token)
    return JSONResponse(body.model_dump(exclude_none=True), headers=_NO_STORE)


@router.post("/v1/auth/revoke", operation_id="revoke_token", summary="Revoke a refresh or access token (RFC 7009)",
             status_code=200, response_model=dict[str, str])
async def revoke_token(
    request: Request,
    unit: UnitDep,
    token: Annotated[str, Form(max_length=4096)],
    token_type_hint: Annotated[str | None, Form(max_length=32)] = None,
) -> dict[str, str]:
    await auth_service.revoke(unit, request.app.state.tokens, token)
    return {"status": "revoked"}


@router.get("/v1/me", operation_id="get_me", summary="Who the token belongs to, as the server sees it now",
            response_model=MeRead)
async def get_me(principal: PrincipalDep, unit: UnitDep) -> MeRead:
    agency = await auth_service.agency_of(unit, principal)
    return MeRead(
        id=principal.id,
        kind=principal.kind,
        name=principal.name,
        role=principal.role,
        agency=AgencyRef.model_validate(agency, from_attributes=True),
        branches=sorted(principal.branches),
    )


@router.get("/.well-known/jwks.json", operation_id="get_jwks", summary="Public keys that verify access tokens",
            response_model=JWKSet)
async def get_jwks(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.tokens.keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/oauth-authorization-server", operation_id="get_authorization_server_metadata",
            summary="Authorization server metadata (RFC 8414): where to sign in and what this server supports",
            response_model=AuthServerMetadata)
async def get_authorization_server_metadata(request: Request, settings: SettingsDep) -> JSONResponse:
    base = str(request.base_url).rstrip("/")
    grants = ["authorization_code", "refresh_token", "client_credentials"]
    if settings.password_grant_on:
        grants.append("password")
    body = AuthServerMetadata(
        issuer=settings.jwt_issuer,
        authorization_endpoint=f"{base}/v1/auth/authorize",
        token_endpoint=f"{base}/v1/auth/token",
        revocation_endpoint=f"{base}/v1/auth/revoke",
        jwks_uri=f"{base}/.well-known/jwks.json",
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=grants,
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=["none", "client_secret_basic", "client_secret_post"],
        revocation_endpoint_auth_methods_supported=["none"],
        authorization_response_iss_parameter_supported=True,
        service_documentation=f"{base}/docs",
        ui_locales_supported=["ja", "en"],
    )
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "public, max-age=300"})
