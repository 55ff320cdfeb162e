"""Webhook subscriptions: partners manage their own agency's (the hospital's, in scope; the
consultation office's is out of scope and invisible), admins every agency's, nobody else any."""

from __future__ import annotations

import uuid
from typing import Any

from api.db.models import WebhookDelivery, WebhookSubscription
from tests.authz import Builder, Call, RouteCase, expect, fixed

IF_MATCH = {"If-Match": '"1"'}


def scoped(ok: int) -> dict[str, tuple[int, int]]:
    return expect(403, partner=(ok, 404), admin=ok, anonymous=401)


async def _subscription(ctx: Any, in_scope: bool) -> WebhookSubscription:
    agency = ctx.world.agencies["hospital" if in_scope else "consult"]
    subscription = WebhookSubscription(agency_id=agency, url="https://receiver.example/hook", events=["referral.*"],
                                       secret="whsec_matrix", created_by=ctx.world.users["admin"])
    ctx.db.add(subscription)
    await ctx.db.flush()
    return subscription


async def _dead_delivery(ctx: Any, subscription: WebhookSubscription) -> WebhookDelivery:
    event_id, resource_id = uuid.uuid4(), uuid.uuid4()
    delivery = WebhookDelivery(
        event_id=event_id, subscription_id=subscription.id, event_type="test.ping", resource_type="probe",
        resource_id=resource_id, status="dead", attempts=8,
        payload={"id": str(event_id), "type": "test.ping", "resource_type": "probe",
                 "resource_id": str(resource_id), "occurred_at": "2010-07-21T14:00:00+09:00"},
    )
    ctx.db.add(delivery)
    await ctx.db.flush()
    return delivery


def on_subscription(suffix: str = "", **kw: Any) -> Builder:
    async def build(ctx: Any, in_scope: bool) -> Call:
        subscription = await _subscription(ctx, in_scope)
        return Call(path=f"/v1/webhooks/{subscription.id}{suffix}", **kw)

    return build


def on_delivery(suffix: str = "") -> Builder:
    async def build(ctx: Any, in_scope: bool) -> Call:
        subscription = await _subscription(ctx, in_scope)
        delivery = await _dead_delivery(ctx, subscription)
        return Call(path=f"/v1/webhooks/{subscription.id}/deliveries/{delivery.id}{suffix}")

    return build


async def _create(ctx: Any, in_scope: bool) -> Call:
    agency = ctx.world.agencies["hospital" if in_scope else "consult"]
    return Call(path="/v1/webhooks", json={"agency_id": str(agency), "url": "https://receiver.example/hook",
                                           "events": ["referral.*"]})


CASES = [
    RouteCase("GET", "/v1/webhooks", fixed("/v1/webhooks"), expect(403, partner=200, admin=200, anonymous=401)),
    # Out of scope: a partner naming another agency is refused outright (agencies are not secret).
    RouteCase("POST", "/v1/webhooks", _create, expect(403, partner=(201, 403), admin=201, anonymous=401)),
    RouteCase("GET", "/v1/webhooks/{subscription_id}", on_subscription(), scoped(200)),
    RouteCase("PATCH", "/v1/webhooks/{subscription_id}",
              on_subscription(json={"active": False}, headers=IF_MATCH), scoped(200)),
    RouteCase("DELETE", "/v1/webhooks/{subscription_id}", on_subscription(headers=IF_MATCH), scoped(204)),
    RouteCase("POST", "/v1/webhooks/{subscription_id}/rotate-secret",
              on_subscription("/rotate-secret", headers=IF_MATCH), scoped(200)),
    RouteCase("GET", "/v1/webhooks/{subscription_id}/deliveries", on_subscription("/deliveries"), scoped(200)),
    RouteCase("GET", "/v1/webhooks/{subscription_id}/deliveries/{delivery_id}", on_delivery(), scoped(200)),
    RouteCase("POST", "/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/retry", on_delivery("/retry"),
              scoped(202)),
]
