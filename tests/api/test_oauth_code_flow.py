"""Authorization code with PKCE through the login page (ASGI, rolled back): codes, verifiers,
redirect URIs, CSRF, throttling, the second factor, the metadata and the password grant switch.
The same flow against a live server, with Authlib and with a real browser: test_oauth_live.py."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import AuditEvent, AuthorizationCode, OAuthClient, TotpEnrolment
from tests.oauth_flow import (
    claims,
    exchange,
    hidden_fields,
    open_page,
    redirect_params,
    sign_in,
    submit,
)
from tests.world import PASSWORD, World

APP = "t.webapp"
REDIRECT = "https://app.example.jp/callback"
NATIVE = "http://127.0.0.1/oauth"


@contextlib.contextmanager
def configured(app: FastAPI, **changes: Any) -> Iterator[None]:
    previous = app.state.settings
    app.state.settings = previous.model_copy(update=changes)
    try:
        yield
    finally:
        app.state.settings = previous


@pytest.fixture
async def web_app(db: AsyncSession) -> OAuthClient:
    registered = OAuthClient(client_id=APP, name="ケース記録 Web", client_type="public",
                             redirect_uris=[REDIRECT, NATIVE, "jp.example.iko:/callback"])
    db.add(registered)
    await db.flush()
    return registered


async def _actions(db: AsyncSession) -> list[str]:
    return list((await db.scalars(select(AuditEvent.action).order_by(AuditEvent.at))).all())


async def test_metadata_carries_the_rfc8414_fields(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = response.json()
    # RFC 8414 §2: issuer, token_endpoint (a token grant is offered), authorization_endpoint (the code
    # grant is offered) and response_types_supported are REQUIRED.
    for required in ("issuer", "authorization_endpoint", "token_endpoint", "response_types_supported"):
        assert meta[required], required
    assert meta["issuer"].startswith("https://")
    assert "?" not in meta["issuer"]
    assert "#" not in meta["issuer"]
    assert meta["issuer"] == app.state.settings.jwt_issuer
    assert meta["authorization_endpoint"] == "http://testserver/v1/auth/authorize"
    assert meta["token_endpoint"] == "http://testserver/v1/auth/token"
    assert meta["revocation_endpoint"] == "http://testserver/v1/auth/revoke"
    assert (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "authorization_code" in meta["grant_types_supported"]
    assert "none" in meta["token_endpoint_auth_methods_supported"]
    with configured(app, password_grant_enabled=False):
        meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert "password" not in meta["grant_types_supported"]


async def test_admin_registers_apps_with_safe_redirect_uris_only(client: httpx.AsyncClient, world: World) -> None:
    admin = {"Authorization": f"Bearer {world.token('admin')}"}
    base = {"name": "モバイル", "client_type": "public"}
    for bad in ("http://app.example.jp/cb", "https://app.example.jp/cb#frag", "javascript:alert(1)",
                "data:text/html,hi", "/relative", "myapp:/cb"):
        response = await client.post("/v1/oauth-clients", headers=admin,
                                     json={**base, "client_id": "t.bad", "redirect_uris": [bad]})
        assert response.status_code == 422, bad
    public = await client.post("/v1/oauth-clients", headers=admin, json={
        **base, "client_id": "t.mobile", "redirect_uris": ["http://127.0.0.1/cb", "jp.example.iko:/cb",
                                                           "https://app.example.jp/cb"]})
    assert public.status_code == 201, public.text
    assert public.json()["client_secret"] is None
    server_side = await client.post("/v1/oauth-clients", headers=admin, json={
        "name": "Server app", "client_type": "confidential", "client_id": "t.server",
        "redirect_uris": ["https://server.example.jp/cb"]})
    assert server_side.status_code == 201
    assert len(server_side.json()["client_secret"]) > 30
    listed = await client.get("/v1/oauth-clients", headers=admin)
    assert {c["client_id"] for c in listed.json()["items"]} >= {"t.mobile", "t.server"}
    updated = await client.patch(f"/v1/oauth-clients/{public.json()['id']}",
                                 headers={**admin, "If-Match": public.headers["etag"]}, json={"active": False})
    assert updated.status_code == 200
    assert updated.json()["active"] is False
    # A disabled app cannot start a sign-in.
    _, page = await open_page(client, "t.mobile", "https://app.example.jp/cb")
    assert page.status_code == 400
    assert "location" not in page.headers


async def test_code_and_pkce_give_the_usual_tokens(client: httpx.AsyncClient, web_app: OAuthClient,
                                                   world: World, db: AsyncSession) -> None:
    verifier, params = await sign_in(client, APP, REDIRECT, "t.caseworker", PASSWORD)
    assert params["state"] == "st-123"
    assert params["iss"]
    granted = await exchange(client, APP, REDIRECT, params["code"], verifier)
    assert granted.status_code == 200, granted.text
    assert granted.headers["cache-control"] == "no-store"
    tokens = granted.json()
    assert claims(tokens["access_token"])["amr"] == ["pwd"]
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == str(world.users["caseworker"])
    refreshed = await client.post("/v1/auth/token", data={"grant_type": "refresh_token",
                                                          "refresh_token": tokens["refresh_token"]})
    assert claims(refreshed.json()["access_token"])["amr"] == ["pwd"]
    assert {"code_issue", "code_redeem", "login"} <= set(await _actions(db))


async def test_a_reused_code_is_refused_and_revokes_what_it_gave(client: httpx.AsyncClient, web_app: OAuthClient,
                                                                 db: AsyncSession) -> None:
    verifier, params = await sign_in(client, APP, REDIRECT, "t.caseworker", PASSWORD)
    first = await exchange(client, APP, REDIRECT, params["code"], verifier)
    assert first.status_code == 200
    again = await exchange(client, APP, REDIRECT, params["code"], verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: the tokens issued from the code are revoked.
    access, refresh = first.json()["access_token"], first.json()["refresh_token"]
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {access}"})).status_code == 401
    spent = await client.post("/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh})
    assert spent.status_code == 400
    assert "code_reuse" in await _actions(db)


async def test_a_wrong_verifier_is_refused_and_spends_the_code(client: httpx.AsyncClient,
                                                              web_app: OAuthClient) -> None:
    verifier, params = await sign_in(client, APP, REDIRECT, "t.caseworker", PASSWORD)
    wrong = await exchange(client, APP, REDIRECT, params["code"], "x" * 50)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    # Guessing on is pointless: the right verifier after a wrong one gets nothing either.
    assert (await exchange(client, APP, REDIRECT, params["code"], verifier)).status_code == 400
    verifier, params = await sign_in(client, APP, REDIRECT, "t.caseworker", PASSWORD)
    other_uri = await exchange(client, APP, NATIVE, params["code"], verifier)
    assert other_uri.status_code == 400
    verifier, params = await sign_in(client, APP, REDIRECT, "t.caseworker", PASSWORD)
    assert (await exchange(client, "t.other", REDIRECT, params["code"], verifier)).status_code == 400


async def test_an_expired_code_is_refused(client: httpx.AsyncClient, web_app: OAuthClient, app: FastAPI) -> None:
    with configured(app, authorization_code_ttl_s=10):
        verifier, params = await sign_in(client, APP, REDIRECT, "t.caseworker", PASSWORD)
    async with app.state.sessionmaker() as session:
        await session.execute(update(AuthorizationCode).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        await session.commit()
    assert (await exchange(client, APP, REDIRECT, params["code"], verifier)).status_code == 400


async def test_redirect_uris_match_exactly_except_the_loopback_port(client: httpx.AsyncClient,
                                                                    web_app: OAuthClient) -> None:
    for unregistered in ("https://app.example.jp/callback/", "https://app.example.jp/callback?x=1",
                         "https://evil.example/callback", "http://127.0.0.1/other", "http://localhost/oauth"):
        _, page = await open_page(client, APP, unregistered)
        # Never redirected to an unregistered URI: the error is on the page (RFC 6749 §4.1.2.1).
        assert (page.status_code, "location" in page.headers) == (400, False), unregistered
        assert "text/html" in page.headers["content-type"]
    verifier, params = await sign_in(client, APP, "http://127.0.0.1:53117/oauth", "t.caseworker", PASSWORD)
    granted = await exchange(client, APP, "http://127.0.0.1:53117/oauth", params["code"], verifier)
    assert granted.status_code == 200
    verifier, params = await sign_in(client, APP, "jp.example.iko:/callback", "t.caseworker", PASSWORD)
    assert (await exchange(client, APP, "jp.example.iko:/callback", params["code"], verifier)).status_code == 200


async def test_bad_authorization_requests_go_back_to_the_app_with_an_error(client: httpx.AsyncClient,
                                                                           web_app: OAuthClient) -> None:
    for extra, error in (({"code_challenge_method": "plain"}, "invalid_request"),
                         ({"response_type": "token"}, "unsupported_response_type"),
                         ({"code_challenge": "short"}, "invalid_request")):
        _, response = await open_page(client, APP, REDIRECT, **extra)
        params = redirect_params(response)
        assert (params["error"], params["state"]) == (error, "st-123"), extra
        assert response.headers["location"].startswith(REDIRECT + "?")
    _, unknown = await open_page(client, "t.nobody", REDIRECT)
    assert unknown.status_code == 400
    assert "location" not in unknown.headers


async def test_parameters_the_server_does_not_know_are_ignored(client: httpx.AsyncClient,
                                                               web_app: OAuthClient) -> None:
    # RFC 6749 §3.1: an OpenID-style app sends nonce and prompt; the sign-in must still work,
    # unlike the JSON routes, which refuse an unknown query parameter with a 422.
    verifier, page = await open_page(client, APP, REDIRECT, nonce="n-1", prompt="login")
    assert page.status_code == 200, page.text[:300]
    assert page.headers["content-type"].startswith("text/html")
    params = redirect_params(await submit(client, page, username="t.caseworker", password=PASSWORD))
    assert (await exchange(client, APP, REDIRECT, params["code"], verifier)).status_code == 200


async def test_the_page_is_csrf_protected(client: httpx.AsyncClient, web_app: OAuthClient) -> None:
    _, page = await open_page(client, APP, REDIRECT)
    fields = {**hidden_fields(page.text), "username": "t.caseworker", "password": PASSWORD}
    forged = await client.post("/v1/auth/authorize", data={**fields, "csrf": "forged"})
    assert forged.status_code == 400
    assert "location" not in forged.headers
    client.cookies.clear()  # a cross-site form post arrives without the page's cookie
    no_cookie = await client.post("/v1/auth/authorize", data=fields)
    assert no_cookie.status_code == 400
    assert "location" not in no_cookie.headers
    tampered = {**fields, "ticket": fields["ticket"].replace(".", "x.", 1)}
    assert (await client.post("/v1/auth/authorize", data=tampered)).status_code == 400


async def test_page_headers_language_and_accessibility(client: httpx.AsyncClient, web_app: OAuthClient) -> None:
    _, page = await open_page(client, APP, REDIRECT, headers={"Accept-Language": "en-GB,en;q=0.9"})
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert "form-action 'self' https://app.example.jp" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text
    assert '<label for="username">' in page.text
    assert '<label for="password">' in page.text
    assert "http://" not in page.text.replace("http://testserver", "")  # nothing loaded from elsewhere
    _, ja = await open_page(client, APP, REDIRECT, headers={"Accept-Language": "ja"})
    assert '<html lang="ja">' in ja.text
    assert "ユーザー名" in ja.text
    assert "lang=en" in ja.text
    _, switched = await open_page(client, APP, REDIRECT, headers={"Accept-Language": "ja"}, lang="en")
    assert "User name" in switched.text


async def test_failures_are_generic_and_throttled_like_the_token_endpoint(
        client: httpx.AsyncClient, web_app: OAuthClient, app: FastAPI, db: AsyncSession) -> None:
    _, page = await open_page(client, APP, REDIRECT, headers={"Accept-Language": "en"})
    wrong = await submit(client, page, username="t.caseworker", password="wrong password")
    unknown = await submit(client, page, username="t.nobody", password="wrong password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Sign-in failed. Check the user name and password" in wrong.text
    assert wrong.text.replace("t.caseworker", "X") == unknown.text.replace("t.nobody", "X").replace(
        hidden_fields(unknown.text)["ticket"], hidden_fields(wrong.text)["ticket"])
    for _ in range(app.state.settings.login_max_failures):
        last = await submit(client, page, username="t.caseworker", password="wrong password")
    assert last.status_code == 429
    assert last.headers["retry-after"]
    # Throttled even with the right password, and the token endpoint counts the same failures.
    assert (await submit(client, page, username="t.caseworker", password=PASSWORD)).status_code == 429
    token = await client.post("/v1/auth/token", data={"grant_type": "password", "username": "t.caseworker",
                                                      "password": PASSWORD})
    assert token.status_code == 429
    assert (await _actions(db)).count("login_failed") >= 5


async def test_second_factor_enrolment_codes_and_recovery(client: httpx.AsyncClient, web_app: OAuthClient,
                                                          app: FastAPI, world: World, db: AsyncSession) -> None:
    with configured(app, mfa_required_roles=["caseworker"]):
        verifier, page = await open_page(client, APP, REDIRECT, headers={"Accept-Language": "en"})
        enrol = await submit(client, page, username="t.caseworker", password=PASSWORD)
        assert enrol.status_code == 200
        assert "<svg" in enrol.text
        assert "Set up two-step sign-in" in enrol.text
        secret = (await db.get(TotpEnrolment, world.users["caseworker"])).secret  # type: ignore[union-attr]
        assert secret.replace(" ", "") in enrol.text.replace(" ", "")
        totp = pyotp.TOTP(secret)
        refused = await submit(client, enrol, code="000000" if totp.now() != "000000" else "111111")
        assert refused.status_code == 400
        assert "<svg" in refused.text
        codes_page = await submit(client, enrol, code=totp.now())
        assert codes_page.status_code == 200
        recovery = _list_items(codes_page.text)
        assert len(recovery) == 10
        assert len(set(recovery)) == 10
        params = redirect_params(await submit(client, codes_page))
        tokens = (await exchange(client, APP, REDIRECT, params["code"], verifier)).json()
        assert claims(tokens["access_token"])["amr"] == ["pwd", "otp"]

        # The next sign-in asks for a code; the one just used is refused (replay within its step).
        _, page = await open_page(client, APP, REDIRECT, headers={"Accept-Language": "en"})
        otp_page = await submit(client, page, username="t.caseworker", password=PASSWORD)
        assert 'autocomplete="one-time-code"' in otp_page.text
        replay = await submit(client, otp_page, code=totp.now())
        assert replay.status_code == 400
        assert "each code works once" in replay.text
        ok = await submit(client, otp_page, code=recovery[0].lower().replace("-", ""))
        assert redirect_params(ok)["code"]
        # A recovery code works once.
        _, page = await open_page(client, APP, REDIRECT)
        otp_page = await submit(client, page, username="t.caseworker", password=PASSWORD)
        assert (await submit(client, otp_page, code=recovery[0])).status_code == 400
        assert redirect_params(await submit(client, otp_page, code=recovery[1]))["code"]
    actions = await _actions(db)
    assert {"mfa_enrol_start", "mfa_enrol", "mfa_verify", "code_issue"} <= set(actions)
    # Enrolled users are asked for the code even where their role does not require it.
    _, page = await open_page(client, APP, REDIRECT)
    assert 'autocomplete="one-time-code"' in (await submit(client, page, username="t.caseworker",
                                                           password=PASSWORD)).text


async def test_second_factor_failures_are_throttled(client: httpx.AsyncClient, web_app: OAuthClient,
                                                    app: FastAPI, world: World, db: AsyncSession) -> None:
    secret = pyotp.random_base32()
    db.add(TotpEnrolment(user_id=world.users["caseworker"], secret=secret, confirmed_at=_now()))
    await db.flush()
    _, page = await open_page(client, APP, REDIRECT)
    otp_page = await submit(client, page, username="t.caseworker", password=PASSWORD)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    for _ in range(app.state.settings.login_max_failures):
        await submit(client, otp_page, code=wrong)
    throttled = await submit(client, otp_page, code=pyotp.TOTP(secret).now())
    assert throttled.status_code == 429
    assert "location" not in throttled.headers


async def test_admin_resets_a_lost_second_factor(client: httpx.AsyncClient, web_app: OAuthClient, app: FastAPI,
                                                 world: World, db: AsyncSession) -> None:
    db.add(TotpEnrolment(user_id=world.users["caseworker"], secret=pyotp.random_base32(), confirmed_at=_now()))
    await db.flush()
    reset = await client.delete(f"/v1/users/{world.users['caseworker']}/mfa",
                                headers={"Authorization": f"Bearer {world.token('admin')}"})
    assert reset.status_code == 204
    assert "mfa_reset" in await _actions(db)
    with configured(app, mfa_required_roles=["caseworker"]):
        _, page = await open_page(client, APP, REDIRECT)
        again = await submit(client, page, username="t.caseworker", password=PASSWORD)
        assert "<svg" in again.text  # enrols afresh


async def test_the_password_grant_is_refused_when_turned_off(client: httpx.AsyncClient, app: FastAPI,
                                                             db: AsyncSession) -> None:
    form = {"grant_type": "password", "username": "t.caseworker", "password": PASSWORD}
    with configured(app, password_grant_enabled=False):
        refused = await client.post("/v1/auth/token", data=form)
    assert refused.status_code == 400
    assert refused.json()["error"] == "unsupported_grant_type"
    assert "access_token" not in refused.json()
    assert (await client.post("/v1/auth/token", data=form)).status_code == 200
    # Machine clients keep client credentials either way.
    with configured(app, password_grant_enabled=False):
        machine = await client.post("/v1/auth/token", data={
            "grant_type": "client_credentials", "client_id": "t.dashboard",
            "client_secret": "test-client-secret-0123456789"})
    assert machine.status_code == 200


def test_password_grant_and_mfa_defaults_follow_the_demo_switch() -> None:
    production = Settings(database_url="postgresql+asyncpg://x/y")
    assert not production.password_grant_on
    assert production.mfa_required_for("caseworker")
    assert production.mfa_required_for("admin")
    demo = Settings(database_url="postgresql+asyncpg://x/y", load_demo_data=True)
    assert demo.password_grant_on
    assert not demo.mfa_required_for("caseworker")
    chosen = Settings(database_url="postgresql+asyncpg://x/y", mfa_required_roles="admin, supervisor")
    assert chosen.mfa_required_for("admin")
    assert not chosen.mfa_required_for("caseworker")
    with pytest.raises(ValueError, match="unknown roles"):
        Settings(database_url="postgresql+asyncpg://x/y", mfa_required_roles="wizard")


def _now() -> datetime:
    return datetime.now(UTC)


def _list_items(page: str) -> list[str]:
    return re.findall(r"<li>([A-Z0-9-]+)</li>", page)




async def test_a_confidential_app_must_also_present_its_secret(client: httpx.AsyncClient, world: World,
                                                               db: AsyncSession) -> None:
    admin = {"Authorization": f"Bearer {world.token('admin')}"}
    created = await client.post("/v1/oauth-clients", headers=admin, json={
        "client_id": "t.server-app", "name": "Server app", "client_type": "confidential",
        "redirect_uris": ["https://server.example.jp/cb"]})
    secret = created.json()["client_secret"]
    verifier, params = await sign_in(client, "t.server-app", "https://server.example.jp/cb", "t.caseworker", PASSWORD)
    no_secret = await exchange(client, "t.server-app", "https://server.example.jp/cb", params["code"], verifier)
    assert no_secret.status_code == 401
    assert no_secret.json()["error"] == "invalid_client"
    verifier, params = await sign_in(client, "t.server-app", "https://server.example.jp/cb", "t.caseworker", PASSWORD)
    granted = await client.post("/v1/auth/token", auth=("t.server-app", secret), data={
        "grant_type": "authorization_code", "code": params["code"], "redirect_uri": "https://server.example.jp/cb",
        "code_verifier": verifier})
    assert granted.status_code == 200, granted.text
