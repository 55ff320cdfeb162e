"""Login: grants, identical refusals, refresh rotation with reuse detection (throttling: test_login_throttle.py)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.world import CLIENT_SECRET, MACHINES, PASSWORD, USERS, World

TOKEN = "/v1/auth/token"


def password_form(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


@pytest.mark.parametrize("name", [u[0] for u in USERS])
async def test_every_role_logs_in_and_sees_itself(name: str, client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(TOKEN, data=password_form(f"t.{name}"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"]
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == str(world.users[name])
    assert me.json()["role"] == world.roles[name]
    assert me.json()["kind"] == "user"


async def test_username_is_case_insensitive(client: httpx.AsyncClient) -> None:
    assert (await client.post(TOKEN, data=password_form("T.CaseWorker"))).status_code == 200


async def test_unknown_user_and_wrong_password_answer_identically(client: httpx.AsyncClient) -> None:
    unknown = await client.post(TOKEN, data=password_form("t.nobody-here", "whatever-password"))
    wrong = await client.post(TOKEN, data=password_form("t.caseworker", "whatever-password"))
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.headers["content-type"] == wrong.headers["content-type"] == "application/problem+json"

    def without_request_id(response: httpx.Response) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        body.pop("request_id")
        return body

    assert without_request_id(unknown) == without_request_id(wrong)
    assert without_request_id(wrong)["type"].endswith("/invalid-grant")


async def test_disabled_account_cannot_log_in(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    from api.db.models import UserAccount

    user = await db.get(UserAccount, world.users["caseworker"])
    assert user is not None
    user.active = False
    await db.flush()
    assert (await client.post(TOKEN, data=password_form("t.caseworker"))).status_code == 400


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": token})


async def test_refresh_token_works_once_and_reuse_ends_the_login(client: httpx.AsyncClient) -> None:
    first = (await client.post(TOKEN, data=password_form("t.caseworker"))).json()
    second = await refresh(client, first["refresh_token"])
    assert second.status_code == 200
    newer = second.json()["refresh_token"]
    assert newer != first["refresh_token"]
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {second.json()['access_token']}"})
    assert me.status_code == 200

    # The spent token comes back (someone kept a copy): refused, and the newer one dies with it.
    assert (await refresh(client, first["refresh_token"])).status_code == 400
    assert (await refresh(client, newer)).status_code == 400


async def test_other_logins_survive_a_reuse(client: httpx.AsyncClient) -> None:
    a = (await client.post(TOKEN, data=password_form("t.caseworker"))).json()
    b = (await client.post(TOKEN, data=password_form("t.caseworker"))).json()
    assert (await refresh(client, a["refresh_token"])).status_code == 200
    assert (await refresh(client, a["refresh_token"])).status_code == 400
    assert (await refresh(client, b["refresh_token"])).status_code == 200


async def test_revoked_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    tokens = (await client.post(TOKEN, data=password_form("t.caseworker"))).json()
    assert (await client.post("/v1/auth/revoke", data={"token": tokens["refresh_token"]})).status_code == 200
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400


@pytest.mark.parametrize("name", [m[0] for m in MACHINES])
async def test_client_credentials_in_the_form(name: str, client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": f"t.{name}",
                                              "client_secret": CLIENT_SECRET})
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body  # a machine simply logs in again
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["kind"] == "client"
    assert me.json()["id"] == str(world.machines[name])


async def test_client_credentials_with_http_basic(client: httpx.AsyncClient) -> None:
    basic = base64.b64encode(f"t.hospital-system:{CLIENT_SECRET}".encode()).decode()
    response = await client.post(TOKEN, data={"grant_type": "client_credentials"},
                                 headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})
    assert me.json()["role"] == "partner"


async def test_client_credentials_wrong_secret_and_unknown_client_answer_identically(
    client: httpx.AsyncClient,
) -> None:
    wrong = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "t.hospital-system",
                                           "client_secret": "not the secret"})
    unknown = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "t.no-such-system",
                                             "client_secret": "not the secret"})
    assert wrong.status_code == unknown.status_code == 401
    assert {k: v for k, v in wrong.json().items() if k != "request_id"} == {
        k: v for k, v in unknown.json().items() if k != "request_id"
    }
