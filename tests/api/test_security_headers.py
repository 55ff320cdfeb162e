"""Headers every answer carries (issue 14, finding 10): `Cache-Control: no-store` on every answer
to a request with credentials, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
a CSP with `frame-ancestors 'none'`; and a CSP the /docs page still works under."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.scenario import build_scenario
from tests.world import World


def assert_hardened(response: httpx.Response, *, authenticated: bool) -> None:
    where = f"{response.request.method} {response.request.url.path} -> {response.status_code}"
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), where
    if authenticated:
        assert headers.get("cache-control") == "no-store", where
        assert len(headers.get_list("cache-control")) == 1, where


def _value(param: dict[str, Any]) -> str:
    schema = param.get("schema", {})
    if "enum" in schema:
        return str(schema["enum"][0])
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "x"


def authenticated_gets(app: FastAPI) -> list[str]:
    paths: list[str] = []
    for path, operations in app.openapi()["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        filled = path
        for param in get.get("parameters", []):
            if param["in"] == "path":
                filled = filled.replace("{" + param["name"] + "}", _value(param))
        paths.append(filled)
    return paths


@pytest.mark.parametrize("who", ["caseworker", "admin", "auditor", "hospital-system"])
async def test_every_authenticated_get_in_the_spec_is_not_stored(
    who: str, app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    headers = world.auth(who)
    paths = authenticated_gets(app)
    assert len(paths) > 40
    for path in paths:
        response = await client.get(path, headers=headers)
        assert response.status_code < 500, (path, response.text)
        assert_hardened(response, authenticated=True)


async def test_the_answers_the_probe_found_cacheable_are_not_stored(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    """Finding 10: consents, care team, /v1/me and /v1/webhooks answered 200 without no-store."""
    s = await build_scenario(db, world)
    for path, who in ((f"/v1/clients/{s.client_in.id}/consents", "caseworker"),
                      (f"/v1/clients/{s.client_in.id}/care-team", "caseworker"),
                      ("/v1/me", "caseworker"),
                      ("/v1/webhooks", "hospital-system")):
        response = await client.get(path, headers=world.auth(who))
        assert response.status_code == 200, (path, response.text)
        assert_hardened(response, authenticated=True)
        assert response.headers.get("pragma") == "no-cache"


async def test_a_route_cannot_make_an_authenticated_answer_cacheable(
    client: httpx.AsyncClient, world: World
) -> None:
    # The key set is public and cacheable, except when the request carried credentials.
    assert (await client.get("/.well-known/jwks.json")).headers["cache-control"].startswith("public")
    with_token = await client.get("/.well-known/jwks.json", headers=world.auth("caseworker"))
    assert_hardened(with_token, authenticated=True)


@pytest.mark.parametrize("path", ["/healthz", "/v1/reference", "/v1/me", "/v1/no-such-route", "/openapi.json"])
async def test_anonymous_answers_and_errors_carry_the_headers_too(path: str, client: httpx.AsyncClient) -> None:
    response = await client.get(path)
    assert_hardened(response, authenticated=False)
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


async def test_docs_work_under_their_policy(client: httpx.AsyncClient) -> None:
    """The page is served from the local swagger-ui bundle; its one inline script is allowed by
    hash, everything else it loads is same-origin, and nothing else may run or frame it."""
    page = await client.get("/docs")
    assert page.status_code == 200
    assert_hardened(page, authenticated=False)
    directives = (part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    policy = {d[0]: d[1] if len(d) > 1 else "" for d in directives}
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["connect-src"] == "'self'"  # the spec and "Try it out" call this server
    html = page.text
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline, "swagger-ui needs its initialiser"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"].split()
    assert not re.search(r"\son\w+\s*=", html), "inline event handlers cannot run under the policy"
    assert '"validatorUrl": null' in html  # no request to validator.swagger.io
    loaded = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert loaded
    for url in loaded:
        assert url.startswith("/docs/static/"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
    assert (await client.get("/openapi.json")).status_code == 200
