"""The webhook subscription API as partners and admins use it: registration, secrets, updates,
the delivery log and the retry of a dead letter. The tests run in the rolled-back test transaction
like every other API test; the dispatcher's own suite is test_webhook_dispatcher.py."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import standardwebhooks
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import WebhookAttempt, WebhookDelivery
from api.db.unit import RequestUnit
from api.domain.webhook_delivery import signature
from api.services.events import emit
from tests.world import World

HOOK = {"url": "https://hospital.example/hooks", "events": ["referral.*", "meeting.notice_sent"]}


async def test_secrets_issued_by_the_api_verify_with_the_library(client: httpx.AsyncClient, world: World) -> None:
    created = (await client.post("/v1/webhooks", json=HOOK, headers=world.auth("partner"))).json()
    hook = standardwebhooks.Webhook(created["secret"])
    now = datetime.now(UTC)
    signed = hook.sign("msg_1", now, '{"a":1}')
    assert signed == signature(created["secret"], "msg_1", int(now.timestamp()), b'{"a":1}')
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32


async def test_partner_system_creates_reads_and_cannot_see_other_agencies(client: httpx.AsyncClient,
                                                                          world: World) -> None:
    created = await client.post("/v1/webhooks", json=HOOK, headers=world.auth("hospital-system"))
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["agency_id"] == str(world.agencies["hospital"])
    assert body["created_by"] == str(world.machines["hospital-system"])
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/webhooks/{body['id']}"

    read = await client.get(created.headers["location"], headers=world.auth("partner"))
    assert read.status_code == 200
    assert "secret" not in read.json(), "the secret is shown once"
    assert read.headers["etag"] == '"1"'
    listed = (await client.get("/v1/webhooks", headers=world.auth("partner"))).json()
    assert [s["id"] for s in listed["items"]] == [body["id"]]

    for other in ("consult-system", "partner_consult"):
        assert (await client.get(created.headers["location"], headers=world.auth(other))).status_code == 404
        assert (await client.get("/v1/webhooks", headers=world.auth(other))).json()["items"] == []
    assert (await client.get(created.headers["location"], headers=world.auth("admin"))).status_code == 200
    assert (await client.get(created.headers["location"], headers=world.auth("caseworker"))).status_code == 403


async def test_create_is_idempotent_and_takes_a_client_id(client: httpx.AsyncClient, world: World) -> None:
    chosen = str(uuid.uuid4())
    headers = {**world.auth("hospital-system"), "Idempotency-Key": "hook-1"}
    first = await client.post("/v1/webhooks", json={**HOOK, "id": chosen}, headers=headers)
    again = await client.post("/v1/webhooks", json={**HOOK, "id": chosen}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] == chosen
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/v1/webhooks", json={**HOOK, "url": "https://x.example/h"}, headers=headers)
    assert other.status_code == 422
    clash = await client.post("/v1/webhooks", json={**HOOK, "id": chosen}, headers=world.auth("hospital-system"))
    assert clash.status_code == 409


async def test_an_idempotent_replay_does_not_show_the_secret_again(client: httpx.AsyncClient, world: World,
                                                                   db: AsyncSession) -> None:
    """Issue 14, finding 7: the secret is shown once, and the answer kept for replays never held it."""
    headers = {**world.auth("hospital-system"), "Idempotency-Key": "hook-secret-once"}
    first = await client.post("/v1/webhooks", json=HOOK, headers=headers)
    again = await client.post("/v1/webhooks", json=HOOK, headers=headers)
    assert first.status_code == again.status_code == 201
    secret = first.json()["secret"]
    assert secret.startswith("whsec_")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["secret"] is None
    stored = await db.scalar(text("SELECT response_body::text FROM idempotency_record WHERE key = 'hook-secret-once'"))
    assert stored is not None
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored


NOT_PUBLIC = [
    "http://localhost/hooks", "http://LOCALHOST./hooks", "http://127.0.0.2:8080/hooks", "http://127.1/hooks",
    "http://2130706433/hooks", "http://0x7f.1/hooks", "http://0177.0.0.1/hooks", "http://017700000001/hooks",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:8000/hooks", "http://0.0.0.0/hooks",
    "http://10.0.0.5/hooks", "http://192.168.1.10/hooks", "http://172.16.0.1/hooks", "http://100.64.0.1/hooks",
    "http://224.0.0.1/hooks", "http://240.0.0.1/hooks", "http://[::ffff:127.0.0.1]/hooks",
    "http://[::ffff:7f00:1]/hooks", "http://[fe80::1]/hooks", "http://[fd00::1]/hooks", "https://[::]/hooks",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
async def test_registration_refuses_addresses_that_are_not_public(client: httpx.AsyncClient, world: World,
                                                                 url: str) -> None:
    """Issue 14, finding 3: every one of these answered 201 and was delivered to."""
    auth = world.auth("hospital-system")
    refused = await client.post("/v1/webhooks", json={**HOOK, "url": url}, headers=auth)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.url"
    assert refused.json()["errors"][0]["code"] == "address_not_allowed"
    location = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).headers["location"]
    moved = await client.patch(location, json={"url": url}, headers={**auth, "If-Match": '"1"'})
    assert moved.status_code == 422, moved.text


@pytest.mark.parametrize(
    "change",
    [
        {"url": "ftp://hospital.example/hooks"},
        {"url": "https://user:pw@hospital.example/hooks"},
        {"url": "not a url at all"},
        {"url": "https://h.example/" + "x" * 2000},
        {"url": "https://h.example:99999/hooks"},
        {"url": "https://h.example:http/hooks"},
        {"events": []},
        {"events": ["Referral.Accepted"]},
        {"events": ["x"] * 33},
        {"secret": "mine"},
    ],
)
async def test_create_refuses_bad_input(client: httpx.AsyncClient, world: World, change: dict[str, Any]) -> None:
    response = await client.post("/v1/webhooks", json={**HOOK, **change}, headers=world.auth("partner"))
    assert response.status_code == 422, response.text


async def test_admin_names_the_agency_and_partner_only_its_own(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.post("/v1/webhooks", json=HOOK, headers=world.auth("admin"))).status_code == 422
    consult = str(world.agencies["consult"])
    made = await client.post("/v1/webhooks", json={**HOOK, "agency_id": consult}, headers=world.auth("admin"))
    assert made.status_code == 201
    assert made.json()["agency_id"] == consult
    refused = await client.post("/v1/webhooks", json={**HOOK, "agency_id": consult}, headers=world.auth("partner"))
    assert refused.status_code == 403
    nowhere = await client.post("/v1/webhooks", json={**HOOK, "agency_id": str(uuid.uuid4())},
                                headers=world.auth("admin"))
    assert nowhere.status_code == 422


async def test_update_needs_the_current_etag(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("partner")
    location = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).headers["location"]
    assert (await client.patch(location, json={"active": False}, headers=auth)).status_code == 428
    updated = await client.patch(location, json={"active": False, "events": ["referral.*", "referral.*"]},
                                 headers={**auth, "If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["active"] is False
    assert updated.json()["events"] == ["referral.*"]
    assert (await client.patch(location, json={"active": True}, headers={**auth, "If-Match": '"1"'})).status_code == 412
    assert (await client.patch(location, json={"url": None}, headers={**auth, "If-Match": '"2"'})).status_code == 422
    assert (await client.patch(location, json={"hmm": 1}, headers={**auth, "If-Match": '"2"'})).status_code == 422


async def test_rotate_secret_returns_a_new_one_once(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("hospital-system")
    created = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).json()
    rotated = await client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers={**auth, "If-Match": '"1"'})
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert rotated.headers["etag"] == '"2"'


async def test_delete_takes_the_subscription_away(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("partner")
    location = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).headers["location"]
    assert (await client.delete(location, headers={**auth, "If-Match": '"1"'})).status_code == 204
    assert (await client.get(location, headers=auth)).status_code == 404


async def test_subscription_list_pages_with_a_cursor(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("partner")
    made = [(await client.post("/v1/webhooks", json=HOOK, headers=auth)).json()["id"] for _ in range(3)]
    first = (await client.get("/v1/webhooks", params={"limit": 2}, headers=auth)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = (await client.get("/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]},
                             headers=auth)).json()
    assert rest["next_cursor"] is None
    assert sorted(s["id"] for s in first["items"] + rest["items"]) == sorted(made)
    bad = await client.get("/v1/webhooks", params={"cursor": "bm9wZQ"}, headers=auth)
    assert bad.status_code == 422


async def test_delivery_log_and_retry_of_a_dead_letter(client: httpx.AsyncClient, db: AsyncSession,
                                                       world: World) -> None:
    auth = world.auth("hospital-system")
    made = await client.post("/v1/webhooks", json={**HOOK, "events": ["test.*"]}, headers=auth)
    subscription_id = made.json()["id"]
    unit = RequestUnit(session=db, context={})
    await emit(unit, "test.ping", "probe", uuid.uuid4(), [world.agencies["hospital"]])
    await emit(unit, "test.pong", "probe", uuid.uuid4(), [world.agencies["hospital"]])
    dead, pending = (await db.scalars(select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == uuid.UUID(subscription_id)).order_by(WebhookDelivery.event_type))).all()
    dead.status, dead.attempts, dead.last_error = "dead", 8, "http_5xx"
    db.add(WebhookAttempt(delivery_id=dead.id, attempt=8, at=datetime.now(UTC), status_code=500, error="http_5xx",
                          duration_ms=12, succeeded=False))
    await db.flush()

    base = f"/v1/webhooks/{subscription_id}/deliveries"
    listed = (await client.get(base, headers=auth)).json()["items"]
    assert {d["event_type"]: d["status"] for d in listed} == {"test.ping": "dead", "test.pong": "pending"}
    only_dead = (await client.get(base, params={"status": "dead"}, headers=auth)).json()["items"]
    assert [d["id"] for d in only_dead] == [str(dead.id)]
    assert only_dead[0]["next_attempt_at"] is None
    detail = (await client.get(f"{base}/{dead.id}", headers=auth)).json()
    assert [(a["attempt"], a["status_code"], a["duration_ms"]) for a in detail["attempt_log"]] == [(8, 500, 12)]

    retried = await client.post(f"{base}/{dead.id}/retry", headers=auth)
    assert retried.status_code == 202
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    again = await client.post(f"{base}/{dead.id}/retry", headers=auth)
    assert again.status_code == 409
    assert (await client.post(f"{base}/{pending.id}/retry", headers=auth)).status_code == 409
    assert (await client.get(f"{base}/{uuid.uuid4()}", headers=auth)).status_code == 404
    assert (await client.get(base, headers=world.auth("consult-system"))).status_code == 404
