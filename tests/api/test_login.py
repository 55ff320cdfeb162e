"""Login: grants, identical refusals, database-backed throttling, refresh rotation with reuse detection."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import RateCounter
from tests.world import CLIENT_SECRET, MACHINES, PASSWORD, USERS, World

TOKEN = "/v1/auth/token"


def password_form(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


@pytest.fixture
def from_address(app: FastAPI, client: httpx.AsyncClient) -> Callable[[str], Any]:
    """A client calling from another address (same app, same test transaction)."""

    @asynccontextmanager
    async def open_client(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http

    return open_client


async def counter(db: AsyncSession, bucket: str) -> int:
    counts = (await db.scalars(select(RateCounter.count).where(RateCounter.bucket == bucket))).all()
    return sum(counts)


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


async def test_failures_per_account_are_throttled_across_addresses(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings, from_address: Callable[[str], Any]
) -> None:
    limit = settings.login_max_failures
    for i in range(limit):
        async with from_address(f"203.0.113.{i + 1}") as http:
            assert (await http.post(TOKEN, data=password_form("t.caseworker", "wrong password"))).status_code == 400
    assert await counter(db, "login:user:t.caseworker") == limit
    # Now even the right password from a fresh address is refused until the window ends.
    async with from_address("203.0.113.200") as http:
        refused = await http.post(TOKEN, data=password_form("t.caseworker"))
    assert refused.status_code == 429
    assert refused.json()["type"].endswith("/login-throttled")
    assert refused.json()["error"] == "slow_down"  # RFC 6749 §5.2 member for OAuth clients
    assert 0 < int(refused.headers["retry-after"]) <= settings.login_window_s
    # Other accounts are not affected.
    assert (await client.post(TOKEN, data=password_form("t.supervisor"))).status_code == 200


async def test_failures_per_address_are_throttled_across_accounts(
    db: AsyncSession, settings: Settings, from_address: Callable[[str], Any]
) -> None:
    limit = settings.login_max_failures
    async with from_address("192.0.2.55") as http:
        for i in range(limit):
            assert (await http.post(TOKEN, data=password_form(f"t.guess{i}", "wrong password"))).status_code == 400
        assert await counter(db, "login:addr:192.0.2.55") == limit
        refused = await http.post(TOKEN, data=password_form("t.supervisor"))
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        # Machine logins from that address are throttled too.
        machine = await http.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "t.dashboard",
                                               "client_secret": CLIENT_SECRET})
        assert machine.status_code == 429
    async with from_address("192.0.2.56") as http:
        assert (await http.post(TOKEN, data=password_form("t.supervisor"))).status_code == 200


async def test_success_clears_the_account_counter(client: httpx.AsyncClient, db: AsyncSession) -> None:
    for _ in range(2):
        await client.post(TOKEN, data=password_form("t.caseworker", "wrong password"))
    assert await counter(db, "login:user:t.caseworker") == 2
    assert (await client.post(TOKEN, data=password_form("t.caseworker"))).status_code == 200
    assert await counter(db, "login:user:t.caseworker") == 0


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
