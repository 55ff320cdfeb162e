"""Copies of client data nobody reads are purged (issue 14, Deliver 8 and 13): delivered webhook
rows after WEBHOOK_DELIVERED_RETENTION_S, Idempotency-Key answers after IDEMPOTENCY_TTL_S."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import IdempotencyRecord, WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.main import create_app
from api.services.retention import RetentionPurge, purge
from tests.world import World

HOOK = {"url": "https://hospital.example/hooks", "events": ["referral.*"]}


async def test_an_expired_idempotency_key_is_forgotten(client: httpx.AsyncClient, db: AsyncSession,
                                                        world: World) -> None:
    headers = {**world.auth("hospital-system"), "Idempotency-Key": "kept-a-day"}
    first = await client.post("/v1/webhooks", json=HOOK, headers=headers)
    assert first.status_code == 201
    other = {**HOOK, "url": "https://hospital.example/other"}
    assert (await client.post("/v1/webhooks", json=other, headers=headers)).status_code == 422  # reused key
    await db.execute(text("UPDATE idempotency_record SET created_at = now() - interval '25 hours' "
                          "WHERE key = 'kept-a-day'"))
    again = await client.post("/v1/webhooks", json=other, headers=headers)
    assert again.status_code == 201, again.text
    assert "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    assert again.json()["url"] == other["url"]


async def test_purge_deletes_old_delivered_webhooks_and_expired_keys(db: AsyncSession, world: World,
                                                                      settings: Settings) -> None:
    subscription = WebhookSubscription(agency_id=world.agencies["hospital"], url="https://h.example/x",
                                       events=["*"], secret="whsec_AAAA", created_by=world.users["admin"])
    db.add(subscription)
    await db.flush()
    now = await db.scalar(select(func.now()))
    assert now is not None
    rows = {
        "old delivered": ("delivered", now - timedelta(days=8)),
        "recent delivered": ("delivered", now - timedelta(days=1)),
        "old dead": ("dead", None),
        "old pending": ("pending", None),
    }
    made = {}
    for name, (status, delivered_at) in rows.items():
        delivery = WebhookDelivery(event_id=uuid.uuid4(), subscription_id=subscription.id, event_type="referral.sent",
                                   resource_type="referral", resource_id=uuid.uuid4(), payload={"id": name},
                                   status=status, delivered_at=delivered_at, created_at=now - timedelta(days=30))
        db.add(delivery)
        await db.flush()
        db.add(WebhookAttempt(delivery_id=delivery.id, attempt=1, at=now - timedelta(days=30), status_code=204,
                              duration_ms=3, succeeded=status == "delivered"))
        made[name] = delivery.id
    principal = world.users["caseworker"]
    for key, age in (("old", timedelta(hours=25)), ("fresh", timedelta(hours=1))):
        db.add(IdempotencyRecord(principal_id=principal, key=f"purge-{key}", request_hash="0" * 64, status_code=201,
                                 response_body={"name": "山田 花子"}, response_headers={}, created_at=now - age))
    await db.flush()

    purged = await purge(db, settings)
    assert (purged.webhook_deliveries, purged.idempotency_records) >= (1, 1)
    left = set(await db.scalars(select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == subscription.id)))
    assert left == {made["recent delivered"], made["old dead"], made["old pending"]}
    assert await db.scalar(select(func.count()).select_from(WebhookAttempt)
                           .where(WebhookAttempt.delivery_id == made["old delivered"])) == 0
    keys = set(await db.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.principal_id == principal)))
    assert "purge-old" not in keys
    assert "purge-fresh" in keys


async def test_the_purge_runs_in_the_lifespan(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"run_background_workers": True, "purge_interval_s": 0.01}))
    assert isinstance(app.state.retention, RetentionPurge)
    async with app.router.lifespan_context(app):
        assert app.state.retention._task is not None
    assert app.state.retention._task is None
    await app.state.engine.dispose()
