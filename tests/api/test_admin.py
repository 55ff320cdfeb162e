"""What an admin notices when managing agencies, staff accounts and machine clients."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from tests.world import CLIENT_SECRET, PASSWORD, World

NEW_PASSWORD = "a fresh and long password"


def agency_body(**changes: Any) -> dict[str, Any]:
    return {"code": "hikari_ws", "name_ja": "ひかり作業所", "name_en": "Hikari workshop", "type": "workshop",
            "branch_code": "kinuta", **changes}


def user_body(world: World, **changes: Any) -> dict[str, Any]:
    return {"username": "cw.kinuta", "display_name": "砧 ケースワーカー", "role": "caseworker",
            "agency_id": str(world.agencies["karasuyama_seikatsu"]), "branch_codes": ["kinuta"],
            "password": NEW_PASSWORD, **changes}


def client_body(world: World, **changes: Any) -> dict[str, Any]:
    return {"client_id": "komorebi-system", "name": "Komorebi records", "role": "partner",
            "agency_id": str(world.agencies["care_corp"]), **changes}


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"grant_type": "password", "username": username,
                                                     "password": password})


async def machine_login(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await client.post("/v1/auth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                     "client_secret": secret})


# --- agencies ---------------------------------------------------------------------------------

async def test_agency_lifecycle(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    created = await client.post("/v1/agencies", json=agency_body(), headers=admin)
    assert created.status_code == 201
    agency = created.json()
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/agencies/{agency['id']}"
    assert agency["active"] is True

    read = await client.get(f"/v1/agencies/{agency['id']}", headers=admin)
    assert read.json() == agency
    assert read.headers["etag"] == '"1"'

    path = f"/v1/agencies/{agency['id']}"
    assert (await client.patch(path, json={"active": False}, headers=admin)).status_code == 428
    assert (await client.patch(path, json={"active": False}, headers={**admin, "If-Match": '"7"'})).status_code == 412
    changed = await client.patch(path, json={"active": False, "branch_code": None},
                                 headers={**admin, "If-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["active"] is False
    assert changed.json()["branch_code"] is None
    # Someone else's stale copy cannot overwrite it.
    stale = await client.patch(path, json={"name_en": "Old"}, headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412


async def test_agency_list_filters_and_pages(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    for code in ("ws_a", "ws_b", "ws_c"):
        assert (await client.post("/v1/agencies", json=agency_body(code=code), headers=admin)).status_code == 201
    await client.post("/v1/agencies", json=agency_body(code="ws_off", active=False), headers=admin)

    seen: list[str] = []
    cursor = None
    while True:
        params = {"type": "workshop", "active": "true", "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/agencies", params=params, headers=admin)).json()
        seen.extend(a["code"] for a in page["items"])
        assert all(a["type"] == "workshop" and a["active"] for a in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["ws_a", "ws_b", "ws_c"]
    off = (await client.get("/v1/agencies", params={"active": "false"}, headers=admin)).json()["items"]
    assert [a["code"] for a in off] == ["ws_off"]
    assert (await client.get("/v1/agencies", params={"type": "castle"}, headers=admin)).status_code == 422


async def test_deactivated_agency_locks_out_its_staff(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    token = world.auth("caseworker")
    assert (await client.get("/v1/me", headers=token)).status_code == 200
    path = f"/v1/agencies/{world.agencies['karasuyama_seikatsu']}"
    assert (await client.patch(path, json={"active": False}, headers={**admin, "If-Match": '"1"'})).status_code == 200
    assert (await client.get("/v1/me", headers=token)).status_code == 401
    assert (await login(client, "t.caseworker", PASSWORD)).status_code == 400


async def test_agency_references_are_checked(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    unknown_branch = await client.post("/v1/agencies", json=agency_body(branch_code="atlantis"), headers=admin)
    assert unknown_branch.status_code == 422
    assert unknown_branch.json()["errors"][0]["field"] == "body.branch_code"
    assert (await client.post("/v1/agencies", json=agency_body(parent_id=str(uuid.uuid4())),
                              headers=admin)).status_code == 422
    assert (await client.post("/v1/agencies", json=agency_body(code="t_hasic"), headers=admin)).status_code == 409
    own = world.agencies["hasic"]
    loop = await client.patch(f"/v1/agencies/{own}", json={"parent_id": str(own)}, headers={**admin, "If-Match": '"1"'})
    assert loop.status_code == 422


# --- idempotency and client-supplied ids -----------------------------------------------------

async def test_create_with_idempotency_key_replays_the_first_answer(client: httpx.AsyncClient, world: World,
                                                                    db: AsyncSession) -> None:
    headers = {**world.auth("admin"), "Idempotency-Key": "create-kinuta-cw-1"}
    first = await client.post("/v1/users", json=user_body(world), headers=headers)
    again = await client.post("/v1/users", json=user_body(world), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    count = await db.scalar(text("SELECT count(*) FROM user_account WHERE username = 'cw.kinuta'"))
    assert count == 1
    other = await client.post("/v1/users", json=user_body(world, display_name="別人"), headers=headers)
    assert other.status_code == 422


async def test_client_supplied_id_is_kept_and_cannot_be_reused(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    chosen = str(uuid.uuid4())
    created = await client.post("/v1/agencies", json=agency_body(id=chosen), headers=admin)
    assert created.json()["id"] == chosen
    again = await client.post("/v1/agencies", json=agency_body(id=chosen, code="other_code"), headers=admin)
    assert again.status_code == 409


# --- users ------------------------------------------------------------------------------------

async def test_user_lifecycle(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    created = await client.post("/v1/users", json=user_body(world), headers=admin)
    assert created.status_code == 201
    user = created.json()
    assert "password" not in created.text
    assert "hash" not in created.text
    assert user["branch_codes"] == ["kinuta"]

    tokens = (await login(client, "cw.kinuta", NEW_PASSWORD)).json()
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()[
        "role"] == "caseworker"

    path = f"/v1/users/{user['id']}"
    changed = await client.patch(path, json={"role": "supervisor", "display_name": "砧 係長"},
                                 headers={**admin, "If-Match": created.headers["etag"]})
    assert changed.status_code == 200
    assert changed.json()["role"] == "supervisor"
    # A token issued under the old role is refused for good; a new login carries the new role.
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
            ).status_code == 401
    fresh = (await login(client, "cw.kinuta", NEW_PASSWORD)).json()
    assert (await client.get("/v1/me", headers={"Authorization": f"Bearer {fresh['access_token']}"})).json()[
        "role"] == "supervisor"

    listed = (await client.get("/v1/users", params={"role": "supervisor"}, headers=admin)).json()["items"]
    assert {u["username"] for u in listed} == {"t.supervisor", "cw.kinuta"}
    assert "hash" not in (await client.get("/v1/users", headers=admin)).text

    # A password reset: the new password works, the old one does not, and earlier logins end.
    reset = await client.post(f"{path}/password", json={"password": "the replacement password"}, headers=admin)
    assert reset.status_code == 200
    assert "password" not in reset.text
    assert (await login(client, "cw.kinuta", NEW_PASSWORD)).status_code == 400
    after_reset = await login(client, "cw.kinuta", "the replacement password")
    assert after_reset.status_code == 200
    bearer = {"Authorization": f"Bearer {after_reset.json()['access_token']}"}
    refreshed = await client.post("/v1/auth/token", data={"grant_type": "refresh_token",
                                                          "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 400

    # Deactivation: the very next request with a live token is refused.
    current = await client.get(path, headers=admin)
    off = await client.patch(path, json={"active": False}, headers={**admin, "If-Match": current.headers["etag"]})
    assert off.status_code == 200
    assert (await client.get("/v1/me", headers=bearer)).status_code == 401


async def test_user_input_is_checked(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    cases = [
        user_body(world, role="superuser"),
        user_body(world, password="short"),
        user_body(world, branch_codes=["atlantis"]),
        user_body(world, agency_id=str(uuid.uuid4())),
        user_body(world, username="has spaces"),
        user_body(world, display_name="x" * 101),
    ]
    for body in cases:
        response = await client.post("/v1/users", json=body, headers=admin)
        assert response.status_code == 422, body
        assert NEW_PASSWORD not in response.text
    taken = await client.post("/v1/users", json=user_body(world, username="T.CASEWORKER"), headers=admin)
    assert taken.status_code == 409


async def test_admin_cannot_lock_themselves_out(client: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    path = f"/v1/users/{world.users['admin']}"
    for change in ({"active": False}, {"role": "auditor"}):
        response = await client.patch(path, json=change, headers={**admin, "If-Match": '"1"'})
        assert response.status_code == 409
    assert (await client.patch(path, json={"display_name": "管理者"}, headers={**admin, "If-Match": '"1"'})
            ).status_code == 200


# --- machine clients -------------------------------------------------------------------------

async def test_api_client_secret_is_shown_once_and_rotates(client: httpx.AsyncClient, world: World,
                                                           db: AsyncSession) -> None:
    admin = world.auth("admin")
    created = await client.post("/v1/api-clients", json=client_body(world),
                                headers={**admin, "Idempotency-Key": "komorebi-1"})
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    secret = body["client_secret"]
    assert len(secret) >= 32
    assert (await machine_login(client, "komorebi-system", secret)).status_code == 200

    read = await client.get(f"/v1/api-clients/{body['id']}", headers=admin)
    assert "client_secret" not in read.json()
    assert secret not in read.text
    assert "hash" not in read.text
    listed = await client.get("/v1/api-clients", params={"agency_id": body["agency_id"]}, headers=admin)
    assert [c["client_id"] for c in listed.json()["items"]] == ["komorebi-system"]
    assert secret not in listed.text

    # A retry of the create replays everything except the secret, which is stored nowhere in plain text.
    replay = await client.post("/v1/api-clients", json=client_body(world),
                               headers={**admin, "Idempotency-Key": "komorebi-1"})
    assert replay.status_code == 201
    assert replay.json()["id"] == body["id"]
    assert replay.json()["client_secret"] is None
    stored = await db.scalar(text("SELECT count(*) FROM idempotency_record WHERE response_body::text LIKE :s"),
                             {"s": f"%{secret}%"})
    assert stored == 0

    path = f"/v1/api-clients/{body['id']}"
    assert (await client.post(f"{path}/rotate-secret", headers=admin)).status_code == 428
    rotated = await client.post(f"{path}/rotate-secret", headers={**admin, "If-Match": read.headers["etag"]})
    assert rotated.status_code == 200
    new_secret = rotated.json()["client_secret"]
    assert new_secret != secret
    assert (await machine_login(client, "komorebi-system", secret)).status_code == 401
    assert (await machine_login(client, "komorebi-system", new_secret)).status_code == 200
    # Retrying the rotation with the old ETag does not replace the secret just handed out.
    retry = await client.post(f"{path}/rotate-secret", headers={**admin, "If-Match": read.headers["etag"]})
    assert retry.status_code == 412


async def test_api_client_deactivation_refuses_its_live_token(client: httpx.AsyncClient, world: World) -> None:
    token = (await machine_login(client, "t.hospital-system", CLIENT_SECRET)).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/v1/me", headers=bearer)).status_code == 200
    path = f"/v1/api-clients/{world.machines['hospital-system']}"
    off = await client.patch(path, json={"active": False}, headers={**world.auth("admin"), "If-Match": '"1"'})
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert (await client.get("/v1/me", headers=bearer)).status_code == 401


async def test_api_client_role_is_a_machine_role(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post("/v1/api-clients", json=client_body(world, role="caseworker"),
                                 headers=world.auth("admin"))
    assert response.status_code == 422


# --- mass assignment --------------------------------------------------------------------------

PROTECTED = [
    ("/v1/agencies/{agency}", {"version": 9}),
    ("/v1/agencies/{agency}", {"created_at": "2000-01-01T00:00:00+00:00"}),
    ("/v1/agencies/{agency}", {"code": "renamed"}),
    ("/v1/agencies/{agency}", {"id": str(uuid.uuid4())}),
    ("/v1/agencies/{agency}", {"name_en": "ok", "is_superuser": True}),
    ("/v1/agencies/{agency}", {"name_en": None}),
    ("/v1/users/{user}", {"password_hash": "$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB"}),
    ("/v1/users/{user}", {"password": "a new password by the back door"}),
    ("/v1/users/{user}", {"username": "someone.else"}),
    ("/v1/users/{user}", {"version": 1, "display_name": "x"}),
    ("/v1/users/{user}", {"updated_at": "2000-01-01T00:00:00+00:00"}),
    ("/v1/users/{user}", {"role": None}),
    ("/v1/users/{user}", {}),
    ("/v1/api-clients/{machine}", {"secret_hash": "$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB"}),
    ("/v1/api-clients/{machine}", {"client_secret": "chosen-by-attacker"}),
    ("/v1/api-clients/{machine}", {"role": "analyst"}),
    ("/v1/api-clients/{machine}", {"agency_id": str(uuid.uuid4())}),
]


@pytest.mark.parametrize(("template", "body"), PROTECTED)
async def test_unknown_or_protected_fields_in_updates_are_422_and_change_nothing(
    template: str, body: dict[str, Any], client: httpx.AsyncClient, world: World
) -> None:
    admin = world.auth("admin")
    path = template.format(agency=world.agencies["hasic"], user=world.users["caseworker"],
                           machine=world.machines["hospital-system"])
    before = await client.get(path, headers=admin)
    response = await client.patch(path, json=body, headers={**admin, "If-Match": before.headers["etag"]})
    assert response.status_code == 422
    after = await client.get(path, headers=admin)
    assert after.json() == before.json()


@pytest.mark.parametrize(("path", "extra"), [
    ("/v1/agencies", {"version": 5}),
    ("/v1/agencies", {"created_at": "2000-01-01T00:00:00+00:00"}),
    ("/v1/users", {"password_hash": "$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB"}),
    ("/v1/users", {"version": 5}),
    ("/v1/api-clients", {"secret_hash": "x"}),
    ("/v1/api-clients", {"client_secret": "chosen-by-attacker"}),
])
async def test_protected_fields_in_creates_are_422_and_create_nothing(
    path: str, extra: dict[str, Any], client: httpx.AsyncClient, world: World, db: AsyncSession
) -> None:
    body = {"/v1/agencies": agency_body(), "/v1/users": user_body(world), "/v1/api-clients": client_body(world)}[path]
    before = await db.scalar(text("SELECT count(*) FROM agency")), await db.scalar(
        text("SELECT count(*) FROM user_account")), await db.scalar(text("SELECT count(*) FROM api_client"))
    response = await client.post(path, json={**body, **extra}, headers=world.auth("admin"))
    assert response.status_code == 422
    after = await db.scalar(text("SELECT count(*) FROM agency")), await db.scalar(
        text("SELECT count(*) FROM user_account")), await db.scalar(text("SELECT count(*) FROM api_client"))
    assert after == before


# --- audit ------------------------------------------------------------------------------------

async def test_every_admin_write_is_audited_without_secrets(client: httpx.AsyncClient, world: World,
                                                            db: AsyncSession) -> None:
    admin = world.auth("admin")
    agency = (await client.post("/v1/agencies", json=agency_body(), headers=admin)).json()
    user = (await client.post("/v1/users", json=user_body(world, agency_id=agency["id"]), headers=admin)).json()
    await client.post(f"/v1/users/{user['id']}/password", json={"password": "the replacement password"},
                      headers=admin)
    machine = (await client.post("/v1/api-clients", json=client_body(world), headers=admin)).json()
    await client.post(f"/v1/api-clients/{machine['id']}/rotate-secret", headers={**admin, "If-Match": '"1"'})

    rows = (await db.scalars(select(AuditEvent).where(AuditEvent.actor_id == world.users["admin"])
                             .order_by(AuditEvent.seq))).all()
    written = [(r.action, r.resource_type, r.resource_id) for r in rows]
    assert written == [
        ("create", "agency", agency["id"]),
        ("create", "user", user["id"]),
        ("update", "user", user["id"]),
        ("create", "api_client", machine["id"]),
        ("update", "api_client", machine["id"]),
    ]
    assert rows[2].detail == {"changed": ["password"]}
    assert all(r.role == "admin" and r.outcome == "success" and r.client_id is None for r in rows)
    dumped = " ".join(str(r.detail) for r in rows)
    assert NEW_PASSWORD not in dumped
    assert machine["client_secret"] not in dumped


async def test_refused_admin_call_is_audited_as_denied(client: httpx.AsyncClient, world: World,
                                                       db: AsyncSession) -> None:
    response = await client.get("/v1/users", headers=world.auth("supervisor"))
    assert response.status_code == 403
    denied = (await db.scalars(select(AuditEvent).where(AuditEvent.actor_id == world.users["supervisor"]))).all()
    assert [(d.action, d.outcome, d.subject) for d in denied] == [("denied", "denied", "GET /v1/users")]
