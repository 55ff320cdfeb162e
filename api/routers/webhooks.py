from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response
from api.db.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.deps import PrincipalDep, SettingsDep, UnitDep
from api.domain.access_rules import Action
from api.domain.webhook_delivery import PENDING
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.webhooks import (
    WebhookAttemptRead,
    WebhookDeliveryDetail,
    WebhookDeliveryRead,
    WebhookSubscriptionCreate,
    WebhookSubscriptionRead,
    WebhookSubscriptionUpdate,
    WebhookSubscriptionWithSecret,
)
from api.services import webhooks as service
from api.services.guard import allowed_to

router = APIRouter(
    tags=["webhooks"],
    route_class=CommitRoute,
    dependencies=[Depends(allowed_to(Action.webhook_manage))],
)


def _read(subscription: WebhookSubscription) -> WebhookSubscriptionRead:
    return WebhookSubscriptionRead.model_validate(subscription, from_attributes=True)


def _with_secret(subscription: WebhookSubscription, secret: str) -> WebhookSubscriptionWithSecret:
    return WebhookSubscriptionWithSecret(**_read(subscription).model_dump(), secret=secret)


def _drop_secret(body: Any) -> Any:
    return {**body, "secret": None}


def _delivery(delivery: WebhookDelivery) -> WebhookDeliveryRead:
    read = WebhookDeliveryRead.model_validate(delivery, from_attributes=True)
    if delivery.status != PENDING:
        read.next_attempt_at = None
    return read


def _location(subscription_id: uuid.UUID) -> str:
    return f"/v1/webhooks/{subscription_id}"


@router.get("/v1/webhooks", operation_id="list_webhook_subscriptions",
            summary="Webhook subscriptions: the partner's own agency's, or every agency's for an admin",
            response_model=Page[WebhookSubscriptionRead])
async def list_webhook_subscriptions(
    unit: UnitDep, principal: PrincipalDep, page: PageDep,
    agency_id: Annotated[uuid.UUID | None, Query(description="Only this agency's subscriptions")] = None,
) -> Page[WebhookSubscriptionRead]:
    rows, next_cursor = await service.list_subscriptions(unit, principal, page, agency_id)
    return Page[WebhookSubscriptionRead](items=[_read(s) for s in rows], next_cursor=next_cursor)


@router.post("/v1/webhooks", operation_id="create_webhook_subscription", status_code=201,
             summary="Subscribe an endpoint to events; the response shows the signing secret once",
             response_model=WebhookSubscriptionWithSecret)
async def create_webhook_subscription(
    body: WebhookSubscriptionCreate, unit: UnitDep, principal: PrincipalDep, settings: SettingsDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> Response:
    async def create() -> Response:
        subscription, secret = await service.create_subscription(
            unit, principal, settings, subscription_id=body.id, agency_id=body.agency_id, url=body.url,
            events=body.events, description=body.description, active=body.active,
        )
        return json_response(_with_secret(subscription, secret), status_code=201, version=subscription.version,
                             location=_location(subscription.id))

    # The secret is shown once: the answer kept for replays goes without it (issue 14, finding 7).
    return await idempotent(unit, principal, idempotency_key, body, create, redact=_drop_secret)


@router.get("/v1/webhooks/{subscription_id}", operation_id="get_webhook_subscription",
            summary="One webhook subscription (without its secret)", response_model=WebhookSubscriptionRead)
async def get_webhook_subscription(subscription_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep) -> Response:
    subscription = await service.get_subscription(unit, principal, subscription_id)
    return json_response(_read(subscription), version=subscription.version)


@router.patch("/v1/webhooks/{subscription_id}", operation_id="update_webhook_subscription",
              summary="Change the URL, events, description or active flag (If-Match)",
              response_model=WebhookSubscriptionRead)
async def update_webhook_subscription(
    subscription_id: uuid.UUID, body: WebhookSubscriptionUpdate, unit: UnitDep, principal: PrincipalDep,
    settings: SettingsDep, expected: IfMatchDep,
) -> Response:
    changes = body.model_dump(exclude_unset=True)
    subscription = await service.update_subscription(unit, principal, settings, subscription_id, expected, changes)
    return json_response(_read(subscription), version=subscription.version)


@router.delete("/v1/webhooks/{subscription_id}", operation_id="delete_webhook_subscription", status_code=204,
               summary="Remove a subscription with its pending deliveries and log (If-Match)",
               response_class=Response)
async def delete_webhook_subscription(
    subscription_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep, expected: IfMatchDep,
) -> Response:
    await service.delete_subscription(unit, principal, subscription_id, expected)
    return Response(status_code=204)


@router.post("/v1/webhooks/{subscription_id}/rotate-secret", operation_id="rotate_webhook_secret",
             summary="Issue a new signing secret; the old one keeps signing during a grace period (If-Match)",
             response_model=WebhookSubscriptionWithSecret)
async def rotate_webhook_secret(
    subscription_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep, settings: SettingsDep, expected: IfMatchDep,
) -> Response:
    subscription, secret = await service.rotate_secret(unit, principal, settings, subscription_id, expected)
    return json_response(_with_secret(subscription, secret), version=subscription.version)


@router.get("/v1/webhooks/{subscription_id}/deliveries", operation_id="list_webhook_deliveries",
            summary="Deliveries of one subscription, oldest first, with their status",
            response_model=Page[WebhookDeliveryRead])
async def list_webhook_deliveries(
    subscription_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep, page: PageDep,
    status: Annotated[Literal["pending", "delivered", "dead"] | None, Query()] = None,
) -> Page[WebhookDeliveryRead]:
    rows, next_cursor = await service.list_deliveries(unit, principal, subscription_id, page, status)
    return Page[WebhookDeliveryRead](items=[_delivery(d) for d in rows], next_cursor=next_cursor)


@router.get("/v1/webhooks/{subscription_id}/deliveries/{delivery_id}", operation_id="get_webhook_delivery",
            summary="One delivery with its log: every attempt's status code or error and duration",
            response_model=WebhookDeliveryDetail)
async def get_webhook_delivery(
    subscription_id: uuid.UUID, delivery_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep,
) -> WebhookDeliveryDetail:
    delivery, attempts = await service.get_delivery(unit, principal, subscription_id, delivery_id)
    return _detail(delivery, attempts)


@router.post("/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/retry", operation_id="retry_webhook_delivery",
             status_code=202, summary="Send a dead-lettered delivery again (a fresh round of attempts)",
             response_model=WebhookDeliveryRead)
async def retry_webhook_delivery(
    subscription_id: uuid.UUID, delivery_id: uuid.UUID, unit: UnitDep, principal: PrincipalDep,
) -> Response:
    delivery = await service.retry_delivery(unit, principal, subscription_id, delivery_id)
    return json_response(_delivery(delivery), status_code=202)


def _detail(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDeliveryDetail:
    return WebhookDeliveryDetail(
        **_delivery(delivery).model_dump(),
        attempt_log=[WebhookAttemptRead.model_validate(a, from_attributes=True) for a in attempts],
    )
