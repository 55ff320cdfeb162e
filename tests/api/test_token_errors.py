"""Token endpoint errors speak RFC 6749 §5.2 (`error`, `error_description`), which OAuth client
libraries read, and stay RFC 9457 problems (`type`, `title`, `status`, `detail`)."""

from __future__ import annotations

import base64
import re

import httpx
import pytest

from tests.world import CLIENT_SECRET, MACHINES, PASSWORD

TOKEN = "/v1/auth/token"
MACHINE = f"t.{MACHINES[0][0]}"
# RFC 6749 §5.2: error_description is limited to these characters.
DESCRIPTION = re.compile(r'^[\x20\x21\x23-\x5b\x5d-\x7e]+$')


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    assert isinstance(body["error_description"], str)
    assert DESCRIPTION.match(body["error_description"]), body["error_description"]
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


@pytest.mark.parametrize(("form", "headers", "status", "error"), [
    ({"grant_type": "password", "username": "t.caseworker"}, {}, 400, "invalid_request"),
    ({"username": "t.caseworker", "password": PASSWORD}, {}, 400, "invalid_request"),
    ({"grant_type": "refresh_token"}, {}, 400, "invalid_request"),
    ({"grant_type": "client_credentials", "client_id": MACHINE}, {}, 400, "invalid_request"),
    ({"grant_type": "password", "username": "t.caseworker", "password": "wrong"}, {}, 400, "invalid_grant"),
    ({"grant_type": "refresh_token", "refresh_token": "not-a-token"}, {}, 400, "invalid_grant"),
    ({"grant_type": "client_credentials", "client_id": MACHINE, "client_secret": "wrong"}, {}, 401,
     "invalid_client"),
    ({"grant_type": "client_credentials"}, basic(MACHINE, "wrong"), 401, "invalid_client"),
    ({"grant_type": "password", "username": "t.caseworker", "password": PASSWORD}, basic(MACHINE, CLIENT_SECRET),
     400, "unauthorized_client"),
    ({"grant_type": "password", "username": "t.caseworker", "password": PASSWORD}, basic(MACHINE, "wrong"),
     401, "invalid_client"),
    ({"grant_type": "telepathy"}, {}, 400, "unsupported_grant_type"),
    ({"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"}, {}, 400,
     "unsupported_grant_type"),
    # Issue 19: the authorization code grant exists; a code it never issued is invalid_grant, none at all
    # is invalid_request.
    ({"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://app.example/cb",
      "code_verifier": "v" * 43}, {}, 400, "invalid_grant"),
    ({"grant_type": "authorization_code", "redirect_uri": "https://app.example/cb"}, {}, 400, "invalid_request"),
    ({"grant_type": "password", "username": "t.caseworker", "password": PASSWORD, "scope": "admin"}, {}, 400,
     "invalid_scope"),
], ids=lambda v: v if isinstance(v, str) else None)
async def test_token_errors_carry_rfc6749_codes(form: dict[str, str], headers: dict[str, str], status: int,
                                                error: str, client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN, data=form, headers=headers)
    assert_oauth_error(response, status, error)
    if error == "invalid_client":
        # RFC 6749 §5.2: a 401 names the authentication scheme the client should use.
        assert response.headers["www-authenticate"].startswith("Basic ")


async def test_japanese_detail_keeps_an_ascii_error_description(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN, data={"grant_type": "password", "username": "t.caseworker",
                                              "password": "wrong"}, headers={"Accept-Language": "ja"})
    body = assert_oauth_error(response, 400, "invalid_grant")
    assert body["detail"] == "ユーザー名かパスワードが違うか、アカウントが無効です。"
    assert body["error_description"] == "The username or password is wrong, or the account is disabled."


async def test_successful_grants_are_unchanged(client: httpx.AsyncClient) -> None:
    staff = await client.post(TOKEN, data={"grant_type": "password", "username": "t.caseworker",
                                           "password": PASSWORD, "scope": ""})
    assert staff.status_code == 200
    assert "error" not in staff.json()
    machine = await client.post(TOKEN, data={"grant_type": "client_credentials"}, headers=basic(MACHINE, CLIENT_SECRET))
    assert machine.status_code == 200
    assert machine.json()["token_type"] == "Bearer"


async def test_an_unreadable_body_is_invalid_request(client: httpx.AsyncClient) -> None:
    response = await client.post(TOKEN, content=b"grant_type=password",
                                 headers={"Content-Type": "multipart/form-data"})  # no boundary
    assert_oauth_error(response, 400, "invalid_request")
