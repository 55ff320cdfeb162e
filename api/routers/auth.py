from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from api.deps import PrincipalDep, SettingsDep, UnitDep, client_address
from api.messages import Msg, msg
from api.problems import Problem, field_errors, problem_response, wants_japanese
from api.routing import CommitRoute
from api.schemas.auth import AgencyRef, AuthServerMetadata, JWKSet, MeRead, TokenResponse
from api.services import auth as auth_service
from api.services import oauth

router = APIRouter(tags=["auth"], route_class=CommitRoute)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


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


GRANTS = ("authorization_code", "password", "client_credentials", "refresh_token")

# RFC 6749 §5.2 error codes for the problems this endpoint answers with; the problem members stay.
_OAUTH_ERRORS = {
    "invalid-request": "invalid_request",
    "invalid-client": "invalid_client",
    "invalid-grant": "invalid_grant",
    "unauthorized-client": "unauthorized_client",
    "unsupported-grant-type": "unsupported_grant_type",
    "invalid-scope": "invalid_scope",
    # Not in RFC 6749: the IANA OAuth error registry's token-endpoint code for "wait, then retry"
    # (RFC 8628); Retry-After says how long.
    "login-throttled": "slow_down",
}
# error_description is limited to these characters (RFC 6749 §5.2).
_NOT_DESCRIPTION_CHARS = re.compile(r'[^\x20\x21\x23-\x5b\x5d-\x7e]')


def _oauth_members(slug: str, detail: Msg) -> dict[str, str]:
    return {"error": _OAUTH_ERRORS[slug], "error_description": _NOT_DESCRIPTION_CHARS.sub("?", detail.text(False))}


def _token_problem(slug: str, detail: Msg, headers: dict[str, str] | None = None, **extensions: Any) -> Problem:
    return Problem(slug, detail, headers={**_NO_STORE, **(headers or {})}, **extensions,
                   **_oauth_members(slug, detail))


class TokenRoute(CommitRoute):
    """The token endpoint's unreadable requests are RFC 6749 `invalid_request` (400), not the 422
    every other route answers: OAuth client libraries expect the one error format there."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                ja = wants_japanese(request.headers.get("accept-language"))
                errors = field_errors(exc.errors(), ja)
                raise _token_problem("invalid-request", msg("validation.fields", count=len(errors)),
                                     errors=errors) from exc
            except HTTPException as exc:
                if exc.status_code != 400:  # a body that cannot be parsed at all
                    raise
                raise _token_problem("invalid-request", msg("request.malformed")) from exc

        return route_handler


async def create_token(
    request: Request,
    unit: UnitDep,
    settings: SettingsDep,
    grant_type: Annotated[str, Form(max_length=64, description="One of: " + ", ".join(GRANTS))],
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
    if grant_type not in GRANTS:
        raise _token_problem("unsupported-grant-type", msg("auth.grant_unsupported", grant=grant_type,
                                                           allowed=list(GRANTS)))
    if scope and scope.strip():
        # Access follows the principal's role, not scopes: a requested scope cannot be granted.
        raise _token_problem("invalid-scope", msg("auth.scope_unknown", scopes=scope.split()))
    basic = _basic_credentials(request)
    result: auth_service.Granted | auth_service.Refused
    if grant_type == "authorization_code":
        # Before the check below: a confidential app authenticates here with its own secret.
        if not code:
            raise _token_problem("invalid-request", msg("auth.grant_needs", grant=grant_type,
                                                        fields=["code", "redirect_uri", "code_verifier"]))
        cid, secret = basic if basic else (client_id, client_secret)
        result = await oauth.code_grant(unit, settings, tokens, code=code, redirect_uri=redirect_uri, client_id=cid,
                                        client_secret=secret, code_verifier=code_verifier)
    elif grant_type == "password" and not settings.password_grant_on:
        unit.audit("login_failed", "session", outcome="failure", subject=(username or "").lower()[:64] or None,
                   detail={"reason": "password grant turned off"})
        result = auth_service.Refused("unsupported-grant-type", msg("auth.password_grant_off"))
    elif grant_type == "client_credentials":
        cid, secret = basic if basic else (client_id, client_secret)
        if not cid or secret is None:
            raise _token_problem("invalid-request", msg("auth.grant_needs", grant=grant_type,
                                                        fields=["client_id", "client_secret"]))
        result = await auth_service.client_credentials_grant(unit, settings, tokens, cid, secret, address)
    elif basic is not None or client_secret:
        # Staff log in without client authentication; a machine client that authenticates may use
        # client_credentials only. Wrong client credentials are still invalid_client.
        cid, secret = basic if basic else (client_id or "", client_secret or "")
        result = await auth_service.authenticate_client(unit, settings, cid, secret, address)
    elif grant_type == "password":
        if not username or password is None:
            raise _token_problem("invalid-request", msg("auth.grant_needs", grant=grant_type,
                                                        fields=["username", "password"]))
        result = await auth_service.password_grant(unit, settings, tokens, username, password, address)
    else:
        if not refresh_token:
            raise _token_problem("invalid-request", msg("auth.grant_needs", grant=grant_type,
                                                        fields=["refresh_token"]))
        result = await auth_service.refresh_grant(unit, settings, tokens, refresh_token)
    if isinstance(result, auth_service.Refused):
        headers = dict(_NO_STORE)
        if result.retry_after is not None:
            headers["Retry-After"] = str(result.retry_after)
        if result.slug == "invalid-client":
            headers["WWW-Authenticate"] = 'Basic realm="setagaya-iko"'
        return problem_response(request, result.slug, result.detail, headers=headers,
                                **_oauth_members(result.slug, result.detail))
    body = TokenResponse(access_token=result.access_token, expires_in=result.expires_in,
                         refresh_token=result.refresh_token)
    return JSONResponse(body.model_dump(exclude_none=True), headers=_NO_STORE)


create_token.__extra_problem_codes__ = ("400", "401")  # type: ignore[attr-defined]
create_token.__absent_problem_codes__ = ("422",)  # type: ignore[attr-defined]  # invalid_request is a 400
router.add_api_route(
    "/v1/auth/token", create_token, methods=["POST"], operation_id="create_token",
    summary="Tokens: OAuth2 authorization_code (with PKCE), refresh_token, client_credentials, and the "
    "password grant where it is turned on", response_model=TokenResponse,
    route_class_override=TokenRoute,
)


@router.post("/v1/auth/revoke", operation_id="revoke_token", summary="Revoke a refresh or access token (RFC 7009)",
             status_code=200, response_model=dict[str, str])
async def revoke_token(
    request: Request,
    unit: UnitDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=4096)],
    token_type_hint: Annotated[str | None, Form(max_length=32)] = None,
) -> dict[str, str]:
    await auth_service.revoke(unit, settings, request.app.state.tokens, token)
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
