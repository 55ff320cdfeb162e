"""Domain events for partner systems: written to the webhook outbox in the transaction of the change.

A service that changes something partners care about calls `emit` before it returns; the
request's single commit then stores the change and its outbox rows together, so a rolled-back
change sends nothing and a committed one is delivered even if the process dies right after."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import insert, select

from api.db.models import WebhookDelivery, WebhookSubscription
from api.db.unit import RequestUnit
from api.domain.roles import Role
from api.domain.webhook_delivery import is_event_type, subscribes_to
from api.schemas.webhooks import WebhookEvent
from api.services.shaping import shape_as


async def emit(
    unit: RequestUnit,
    event_type: str,
    resource_type: str,
    resource_id: uuid.UUID,
    agency_ids: Iterable[uuid.UUID],
) -> None:
    """Queue `event_type` about (`resource_type`, `resource_id`) for the active subscriptions of
    `agency_ids` that ask for it (exactly, or through `referral.*` / `*`).

    Only flushes: nothing is sent unless the caller's transaction commits. The delivered body
    carries ids only ({id, type, resource_type, resource_id, occurred_at}); the partner reads the
    resource itself through the API, where its access is checked as usual. Every subscription
    receives the same event id, so a receiver can de-duplicate on `Webhook-Id`."""
    if not is_event_type(event_type):
        raise ValueError(f"not an event type: {event_type!r} (expected e.g. 'referral.accepted')")
    agencies = set(agency_ids)
    if not agencies:
        return
    subscriptions = (
        await unit.session.execute(
            select(WebhookSubscription.id, WebhookSubscription.events).where(
                WebhookSubscription.agency_id.in_(agencies), WebhookSubscription.active.is_(True)
            )
        )
    ).all()
    targets = sorted(s.id for s in subscriptions if subscribes_to(s.events, event_type))
    if not targets:
        return
    event_id = uuid.uuid4()
    # Shaped as a third party receives it: the field policy decides what a delivery may carry.
    payload = shape_as(Role.partner, WebhookEvent(
        id=event_id, type=event_type, resource_type=resource_type, resource_id=resource_id,
        occurred_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
    )).root
    await unit.session.execute(
        insert(WebhookDelivery),
        [
            {
                "id": uuid.uuid4(),
                "event_id": event_id,
                "subscription_id": subscription_id,
                "event_type": event_type,
                "resource_type": resource_type,
                "resource_id": resource_id,
                "payload": payload,
            }
            for subscription_id in targets
        ],
    )
