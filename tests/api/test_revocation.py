"""Revocation takes effect on the next request (issue 14, finding 8): ending a login ends its access
tokens, and tokens issued before a disable, re-enable, role, agency, password or secret change are
refused for good, even once the account is active again."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.world import CLIENT_SECRET, PASSWORD, World

TOKEN = "/v1/auth/token"


async def login(client: httpx.AsyncClient, username: str) -> dict[str, Any]:
    response = await client.post(TOKEN, data={"grant_type": "password", "username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def machine_login(client: httpx.AsyncClient, client_id: str) -> str:
    response = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": client_id,
                                              "client_secret": CLIENT_SECRET})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "refresh_token", "refresh_token": token})


async def me(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code


async def admin_patch(client: httpx.AsyncClient, world: World, path: str, body: dict[str, Any]) -> None:
    admin = world.auth("admin")
    current = await client.get(path, headers=admin)
    assert current.status_code == 200, current.text
    changed = await client.patch(path, json=body, headers={**admin, "If-Match": current.headers["etag"]})
    assert changed.status_code == 200, changed.text


async def test_refresh_token_reuse_ends_the_access_tokens_of_that_login(client: httpx.AsyncClient) -> None:
    first = await login(client, "t.caseworker")
    other_login = await login(client, "t.caseworker")
    second = (await refresh(client, first["refresh_token"])).json()
    assert await me(client, first["access_token"]) == 200
    assert await me(client, second["access_token"]) == 200
    # The spent refresh token comes back: someone holds a copy, and maybe its access tokens too.
    assert (await refresh(client, first["refresh_token"])).status_code == 400
    assert await me(client, first["access_token"]) == 401
    assert await me(client, second["access_token"]) == 401
    assert await me(client, other_login["access_token"]) == 200  # another login of the same person


async def test_revoking_the_refresh_token_ends_the_login_at_once(client: httpx.AsyncClient) -> None:
    tokens = await login(client, "t.caseworker")
    assert (await client.post("/v1/auth/revoke", data={"token": tokens["refresh_token"]})).status_code == 200
    assert await me(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400


async def test_a_disabled_users_old_token_stays_dead_after_re_enabling(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await login(client, "t.caseworker")
    path = f"/v1/users/{world.users['caseworker']}"
    await admin_patch(client, world, path, {"active": False})
    assert await me(client, tokens["access_token"]) == 401
    await admin_patch(client, world, path, {"active": True})
    assert await me(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400
    # A new login, within the same second as the re-enable, works at once.
    assert await me(client, (await login(client, "t.caseworker"))["access_token"]) == 200


async def test_a_role_change_or_password_reset_ends_older_tokens(client: httpx.AsyncClient, world: World) -> None:
    before_role = (await login(client, "t.caseworker"))["access_token"]
    await admin_patch(client, world, f"/v1/users/{world.users['caseworker']}", {"role": "mental_care_worker"})
    assert await me(client, before_role) == 401
    before_reset = (await login(client, "t.caseworker"))["access_token"]
    assert await me(client, before_reset) == 200
    reset = await client.post(f"/v1/users/{world.users['caseworker']}/password", headers=world.auth("admin"),
                              json={"password": "a-new-password-of-enough-length"})
    assert reset.status_code == 200, reset.text
    assert await me(client, before_reset) == 401


async def test_an_unrelated_change_keeps_tokens(client: httpx.AsyncClient, world: World) -> None:
    token = (await login(client, "t.caseworker"))["access_token"]
    await admin_patch(client, world, f"/v1/users/{world.users['caseworker']}", {"display_name": "改名"})
    assert await me(client, token) == 200


async def test_machine_client_tokens_end_with_disable_and_secret_rotation(
    client: httpx.AsyncClient, world: World
) -> None:
    path = f"/v1/api-clients/{world.machines['dashboard']}"
    token = await machine_login(client, "t.dashboard")
    await admin_patch(client, world, path, {"active": False})
    await admin_patch(client, world, path, {"active": True})
    assert await me(client, token) == 401
    token = await machine_login(client, "t.dashboard")
    assert await me(client, token) == 200
    etag = (await client.get(path, headers=world.auth("admin"))).headers["etag"]
    rotated = await client.post(f"{path}/rotate-secret", headers={**world.auth("admin"), "If-Match": etag})
    assert rotated.status_code == 200, rotated.text
    assert await me(client, token) == 401


async def test_an_agency_disabled_and_re_enabled_does_not_revive_its_peoples_tokens(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await login(client, "t.caseworker")
    agency: uuid.UUID = (await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
                         ).json()["agency"]["id"]
    path = f"/v1/agencies/{agency}"
    await admin_patch(client, world, path, {"active": False})
    await admin_patch(client, world, path, {"active": True})
    assert await me(client, tokens["access_token"]) == 401
    assert (await refresh(client, tokens["refresh_token"])).status_code == 400
    assert await me(client, (await login(client, "t.caseworker"))["access_token"]) == 200
