"""Sign-in through the login page (open to everyone, whatever token comes along), the RFC 8414
metadata, the admin's registration of sign-in apps and the admin's reset of a second factor."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from api.db.models import OAuthClient
from api.security import csrf_token, sign_form_value
from tests.authz import Call, RouteCase, expect, fixed
from tests.authz.identity import ADMIN_CREATE, ADMIN_DETAIL, ADMIN_LIST
from tests.oauth_flow import authorize_query, pkce_pair
from tests.world import PASSWORD

REDIRECT = "https://matrix.example.jp/cb"


async def _app(ctx: Any) -> OAuthClient:
    app = await ctx.db.scalar(select(OAuthClient).where(OAuthClient.client_id == "t.matrix-app"))
    if app is None:
        app = OAuthClient(client_id="t.matrix-app", name="Matrix app", client_type="public", redirect_uris=[REDIRECT])
        ctx.db.add(app)
        await ctx.db.flush()
    return app


async def _authorize(ctx: Any, in_scope: bool) -> Call:
    await _app(ctx)
    client_id = "t.matrix-app" if in_scope else "t.no-such-app"
    return Call(path=f"/v1/auth/authorize?{authorize_query(client_id, REDIRECT, pkce_pair()[1])}")


async def _password_step(ctx: Any, in_scope: bool) -> Call:
    """The form the page would hold, with its cookie: the right password redirects to the app (303),
    a wrong one shows the page again (400)."""
    await _app(ctx)
    key = ctx.world.tokens.keys.form_key
    nonce = "matrix-nonce-" + uuid.uuid4().hex
    ticket = sign_form_value(key, "authorize", {
        "client_id": "t.matrix-app", "redirect_uri": REDIRECT, "code_challenge": pkce_pair()[1], "state": "s",
        "scope": None, "n": nonce}, 600)
    return Call(path="/v1/auth/authorize", headers={"Cookie": f"iko_login={nonce}"}, data={
        "step": "password", "csrf": csrf_token(key, nonce), "ticket": ticket, "username": "t.caseworker",
        "password": PASSWORD if in_scope else "wrong password"})


async def _create(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/oauth-clients", json={
        "client_id": "t.matrix-new", "name": "New app", "client_type": "public",
        "redirect_uris": ["https://new.example.jp/cb" if in_scope else "http://new.example.jp/cb"]})


def _detail(suffix: str = "", *, if_match: bool = False, **kw: Any) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        app = await _app(ctx)
        pk = app.id if in_scope else uuid.uuid4()
        headers = {"If-Match": f'"{app.version if in_scope else 1}"'} if if_match else {}
        return Call(path=f"/v1/oauth-clients/{pk}{suffix}", headers=headers, **kw)

    return build


async def _reset_mfa(ctx: Any, in_scope: bool) -> Call:
    return Call(path=f"/v1/users/{ctx.world.users['caseworker'] if in_scope else uuid.uuid4()}/mfa")


CASES = [
    RouteCase("GET", "/.well-known/oauth-authorization-server", fixed("/.well-known/oauth-authorization-server"),
              expect(200)),
    # Unknown app: the page shows the error and sends the browser nowhere.
    RouteCase("GET", "/v1/auth/authorize", _authorize, expect((200, 400))),
    RouteCase("POST", "/v1/auth/authorize", _password_step, expect((303, 400))),
    RouteCase("GET", "/v1/oauth-clients", fixed("/v1/oauth-clients"), ADMIN_LIST),
    RouteCase("POST", "/v1/oauth-clients", _create, ADMIN_CREATE),
    RouteCase("GET", "/v1/oauth-clients/{client_pk}", _detail(), ADMIN_DETAIL),
    RouteCase("PATCH", "/v1/oauth-clients/{client_pk}", _detail(if_match=True, json={"name": "Renamed"}),
              ADMIN_DETAIL),
    RouteCase("DELETE", "/v1/users/{user_id}/mfa", _reset_mfa, expect(403, admin=(204, 404), anonymous=401)),
]
