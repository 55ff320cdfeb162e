"""The login page of the authorization code flow: GET /v1/auth/authorize shows it, POST takes each
step (password, then the second factor or its enrolment) and finally redirects to the app with a
code. HTML, not JSON: the one place a person, not a program, reads the answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from api import login_page
from api.config import Settings
from api.db.models import UserAccount
from api.db.unit import RequestUnit
from api.deps import SettingsDep, UnitDep, client_address
from api.login_page import Lang, Page
from api.messages import msg
from api.routing import CommitRoute, ignores_unknown_query
from api.security import (
    SignedFormError,
    csrf_matches,
    csrf_token,
    new_opaque_token,
    open_form_value,
    sign_form_value,
)
from api.services import auth as auth_service
from api.services import mfa, oauth
from api.services.oauth import AuthorizeFailure, AuthorizeRequest

router = APIRouter(tags=["auth"], route_class=CommitRoute)
P = ParamSpec("P")
R = TypeVar("R")

PATH = "/v1/auth/authorize"
COOKIE = "iko_login"
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
_PAGES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The login page (or its next step)", **_HTML},
    303: {"description": "Back to the app's redirect URI with `code` and `state`, or with `error`"},
    400: {"description": "The request or the form is not valid; the page says so", **_HTML},
    429: {"description": "Too many failed attempts; the page says so", **_HTML},
}


def _html(page: Page, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(page.html(), status_code=status, headers={**page.headers(), **(headers or {})})


def _key(request: Request) -> bytes:
    key: bytes = request.app.state.tokens.keys.form_key
    return key


def _set_cookie(response: Response, request: Request, nonce: str, settings: Settings) -> None:
    # Lax, not Strict: the app's redirect to this page is a cross-site navigation, and the page must
    # recognise a browser coming back with a form it opened in another tab. A cross-site POST never
    # carries it, which is what the CSRF check needs.
    response.set_cookie(COOKIE, nonce, max_age=settings.login_page_ttl_s, path=PATH, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def _with_problem_400(endpoint: Callable[P, R]) -> Callable[P, R]:
    # Besides the page's own 400, a malformed query is a 422 problem and a rate limit a 429 one.
    setattr(endpoint, "__extra_problem_codes__", (400,))  # noqa: B010
    return endpoint


@router.get(PATH, operation_id="authorize", response_class=HTMLResponse, responses=_PAGES,
            summary="Start signing in (OAuth 2.0 authorization code with PKCE S256): the login page; "
            "parameters it does not know are ignored (RFC 6749 §3.1)")
@ignores_unknown_query
@_with_problem_400
async def authorize(
    request: Request,
    unit: UnitDep,
    settings: SettingsDep,
    response_type: Annotated[str | None, Query(max_length=32)] = None,
    client_id: Annotated[str | None, Query(max_length=64)] = None,
    redirect_uri: Annotated[str | None, Query(max_length=500)] = None,
    state: Annotated[str | None, Query(max_length=500)] = None,
    code_challenge: Annotated[str | None, Query(max_length=128)] = None,
    code_challenge_method: Annotated[str | None, Query(max_length=16)] = None,
    scope: Annotated[str | None, Query(max_length=200)] = None,
    lang: Annotated[Literal["ja", "en"] | None, Query(description="Page language; else Accept-Language")] = None,
) -> Response:
    language = login_page.pick_lang(lang, request.headers.get("accept-language"))
    checked = await oauth.check_authorize(unit.session, {
        "response_type": response_type, "client_id": client_id, "redirect_uri": redirect_uri, "state": state,
        "code_challenge": code_challenge, "code_challenge_method": code_challenge_method, "scope": scope,
    })
    if isinstance(checked, AuthorizeFailure):
        unit.audit("login_failed", "session", outcome="failure", subject=client_id,
                   detail={"reason": f"authorization request: {checked.error}: {checked.description}"})
        if checked.redirect_uri is None:
            return _html(login_page.error_page(language, "bad_request"), 400)
        return RedirectResponse(oauth.redirect_with(checked.redirect_uri, {
            "error": checked.error, "error_description": checked.description, "state": checked.state,
        }, settings.jwt_issuer), status_code=303, headers={"Cache-Control": "no-store"})
    app = await oauth.active_client(unit.session, checked.client_id)
    assert app is not None  # check_authorize found it a moment ago
    nonce = request.cookies.get(COOKIE) or ""
    if not 20 <= len(nonce) <= 64:
        nonce = new_opaque_token()
    switch = request.url.include_query_params(lang="en" if language == "ja" else "ja")
    page = login_page.password_form(
        language, app.name, PATH, _fields(request, nonce, language, "password", "authorize", checked.payload(),
                                          settings),
        switch_href=f"{switch.path}?{switch.query}", form_targets=[login_page.redirect_origin(checked.redirect_uri)])
    response = _html(page)
    _set_cookie(response, request, nonce, settings)
    return response


def _fields(request: Request, nonce: str, lang: Lang, step: str, purpose: str, payload: dict[str, Any],
            settings: Settings) -> dict[str, str]:
    key = _key(request)
    return {"step": step, "lang": lang, "csrf": csrf_token(key, nonce),
            "ticket": sign_form_value(key, purpose, {**payload, "n": nonce}, settings.login_page_ttl_s)}


@router.post(PATH, operation_id="authorize_step", response_class=HTMLResponse, responses=_PAGES,
             summary="One step of the login page: password, one-time code, second-factor enrolment")
async def authorize_step(
    request: Request,
    unit: UnitDep,
    settings: SettingsDep,
    step: Annotated[Literal["password", "otp", "enrol", "continue"], Form()],
    csrf: Annotated[str, Form(max_length=100)],
    ticket: Annotated[str, Form(max_length=4000)],
    lang: Annotated[Literal["ja", "en"] | None, Form()] = None,
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    code: Annotated[str | None, Form(max_length=32)] = None,
) -> Response:
    language = login_page.pick_lang(lang, request.headers.get("accept-language"))
    key = _key(request)
    nonce = request.cookies.get(COOKIE)
    purpose = {"password": "authorize", "otp": "otp", "enrol": "enrol", "continue": "continue"}[step]
    try:
        if not csrf_matches(key, nonce, csrf):
            raise SignedFormError("CSRF token does not match the cookie")
        payload = open_form_value(key, purpose, ticket)
        if payload.get("n") != nonce:
            raise SignedFormError("form opened in another browser")
        authz = AuthorizeRequest.from_payload(payload)
        user_id = uuid.UUID(str(payload["u"])) if step != "password" else None
    except (SignedFormError, TypeError, KeyError, ValueError) as exc:
        unit.audit("login_failed", "session", outcome="failure", detail={"reason": f"login form: {exc}"})
        return _html(login_page.error_page(language, "expired"), 400)
    assert nonce is not None
    flow = _Flow(request, unit, settings, language, nonce, authz)
    if step == "password":
        return await flow.password(username or "", password or "")
    user = await unit.session.get(UserAccount, user_id)
    if user is None or not user.active:
        return _html(login_page.error_page(language, "expired"), 400)
    if step == "otp":
        return await flow.otp(user, code or "")
    if step == "enrol":
        return await flow.enrol(user, code or "")
    return await flow.finish(user, ["pwd", "otp"])


class _Flow:
    def __init__(self, request: Request, unit: RequestUnit, settings: Settings, lang: Lang, nonce: str,
                 authz: AuthorizeRequest) -> None:
        self.request, self.unit, self.settings, self.lang, self.nonce, self.authz = (
            request, unit, settings, lang, nonce, authz)
        self.targets = [login_page.redirect_origin(authz.redirect_uri)]

    def fields(self, step: str, user: UserAccount | None = None) -> dict[str, str]:
        purpose = "authorize" if step == "password" else step
        extra = {"u": str(user.id)} if user is not None else {}
        return _fields(self.request, self.nonce, self.lang, step, purpose, {**self.authz.payload(), **extra},
                       self.settings)

    @staticmethod
    def _status(refused: auth_service.Refused) -> tuple[int, dict[str, str], str]:
        if refused.slug == "login-throttled":
            return 429, {"Retry-After": str(refused.retry_after or 60)}, "throttled"
        return 400, {}, "failed"

    async def password(self, username: str, password: str) -> Response:
        checked = await auth_service.check_user_password(
            self.unit, self.settings, username, password, client_address(self.request)
        ) if username and password else auth_service.Refused("invalid-grant", msg("auth.credentials_missing"))
        if isinstance(checked, auth_service.Refused):
            status, headers, message = self._status(checked)
            app = await oauth.active_client(self.unit.session, self.authz.client_id)
            page = login_page.password_form(self.lang, app.name if app else self.authz.client_id, PATH,
                                            self.fields("password"), error=message, username=username,
                                            form_targets=self.targets)
            return _html(page, status, headers)
        user = checked
        if await mfa.confirmed_enrolment(self.unit, user.id) is not None:
            return _html(login_page.otp_form(self.lang, PATH, self.fields("otp", user), form_targets=self.targets))
        if self.settings.mfa_required_for(user.role):
            return await self._enrol_page(user)
        return await self.finish(user, ["pwd"])

    async def _enrol_page(self, user: UserAccount, error: str | None = None, status: int = 200,
                          headers: dict[str, str] | None = None) -> Response:
        enrolment = await mfa.start_enrolment(self.unit, user)
        page = login_page.enrol_form(self.lang, PATH, self.fields("enrol", user), qr_svg=enrolment.qr_svg,
                                     secret=enrolment.secret, error=error, form_targets=self.targets)
        return _html(page, status, headers)

    async def otp(self, user: UserAccount, code: str) -> Response:
        refused = await mfa.verify(self.unit, self.settings, user, code, client_address(self.request))
        if refused is not None:
            status, headers, message = self._status(refused)
            page = login_page.otp_form(self.lang, PATH, self.fields("otp", user),
                                       error="otp_failed" if message == "failed" else message,
                                       form_targets=self.targets)
            return _html(page, status, headers)
        return await self.finish(user, ["pwd", "otp"])

    async def enrol(self, user: UserAccount, code: str) -> Response:
        if await mfa.confirmed_enrolment(self.unit, user.id) is not None:
            # Enrolled meanwhile (another tab): this ticket proved only the password.
            return _html(login_page.otp_form(self.lang, PATH, self.fields("otp", user), form_targets=self.targets))
        result = await mfa.confirm_enrolment(self.unit, self.settings, user, code, client_address(self.request))
        if isinstance(result, auth_service.Refused):
            status, headers, message = self._status(result)
            return await self._enrol_page(user, "otp_failed" if message == "failed" else message, status, headers)
        page = login_page.recovery_codes(self.lang, PATH, self.fields("continue", user), result,
                                         form_targets=self.targets)
        return _html(page)

    async def finish(self, user: UserAccount, amr: list[str]) -> Response:
        code = await oauth.issue_code(self.unit, self.settings, self.authz, user, amr)
        if code is None:
            return _html(login_page.error_page(self.lang, "bad_request"), 400)
        target = oauth.redirect_with(self.authz.redirect_uri, {"code": code, "state": self.authz.state},
                                     self.settings.jwt_issuer)
        return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store",
                                                                  "Referrer-Policy": "no-referrer"})
