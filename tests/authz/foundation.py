from __future__ import annotations

from tests.authz import Call, RouteCase, expect, fixed
from tests.world import PASSWORD

SIGNED_IN = expect(200, anonymous=401)


async def _login(ctx: object, in_scope: bool) -> Call:
    return Call(path="/v1/auth/token", data={"grant_type": "password", "username": "t.caseworker",
                                             "password": PASSWORD if in_scope else "wrong-password"})


CASES = [
    RouteCase("GET", "/healthz", fixed("/healthz"), expect(200)),
    RouteCase("GET", "/readyz", fixed("/readyz"), expect(200)),
    RouteCase("GET", "/docs", fixed("/docs"), expect(200)),
    RouteCase("GET", "/.well-known/jwks.json", fixed("/.well-known/jwks.json"), expect(200)),
    # Login is open to everyone; the out-of-scope call uses a wrong password.
    RouteCase("POST", "/v1/auth/token", _login, expect((200, 400))),
    RouteCase("POST", "/v1/auth/revoke", fixed("/v1/auth/revoke", data={"token": "not-a-token"}), expect(200)),
    RouteCase("GET", "/v1/me", fixed("/v1/me"), SIGNED_IN),
]
