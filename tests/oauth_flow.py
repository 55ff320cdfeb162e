"""Driving the login page as a browser would, for the code-flow tests: read the hidden fields,
post the next step, pull the code out of the redirect."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

AUTHORIZE = "/v1/auth/authorize"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}


def authorize_query(client_id: str, redirect_uri: str, challenge: str, state: str = "st-123",
                    **extra: str) -> str:
    return urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                      "state": state, "code_challenge": challenge, "code_challenge_method": "S256", **extra})


async def open_page(http: httpx.AsyncClient, client_id: str, redirect_uri: str, *, state: str = "st-123",
                    headers: dict[str, str] | None = None, **extra: str) -> tuple[str, httpx.Response]:
    verifier, challenge = pkce_pair()
    response = await http.get(f"{AUTHORIZE}?{authorize_query(client_id, redirect_uri, challenge, state, **extra)}",
                              headers=headers or {})
    return verifier, response


async def submit(http: httpx.AsyncClient, page: httpx.Response, **fields: str) -> httpx.Response:
    return await http.post(AUTHORIZE, data={**hidden_fields(page.text), **fields})


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 303, response.text[:300]
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def claims(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


async def sign_in(http: httpx.AsyncClient, client_id: str, redirect_uri: str, username: str,
                  password: str) -> tuple[str, dict[str, str]]:
    """Password only (no second factor): the verifier and the redirect's parameters."""
    verifier, page = await open_page(http, client_id, redirect_uri)
    assert page.status_code == 200, page.text[:300]
    done = await submit(http, page, username=username, password=password)
    return verifier, redirect_params(done)


async def exchange(http: httpx.AsyncClient, client_id: str, redirect_uri: str, code: str,
                   verifier: str) -> httpx.Response:
    return await http.post("/v1/auth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": client_id,
        "code_verifier": verifier})
