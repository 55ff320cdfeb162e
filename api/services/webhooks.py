"""Webhook subscriptions and their deliveries: one function per use case.

Partners manage their own agency's subscriptions (another agency's are invisible: 404); admins
manage every agency's. Which rows a principal sees is api.db.scopes.subscriptions_visible_to."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from api.config import Settings
from api.conventions import check_version
from api.db.models import Agency, WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.db.scopes import subscriptions_visible_to
from api.db.unit import RequestUnit
from api.domain import webhook_delivery
from api.domain.access_rules import Action, On, only_own_agency
from api.domain.principal import Principal
from api.domain.webhook_delivery import DEAD, PENDING
from api.messages import msg
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import Problem, id_taken, invalid_field
from api.secret_box import PREFIX, SecretBox, secret_box
from api.services.guard import invisible, require
from api.services.webhook_targets import TargetRefused, check_at_registration

RESOURCE = "webhook_subscription"


def new_secret() -> str:
    return webhook_delivery.new_secret(secrets.token_bytes(32))


async def check_url(settings: Settings, url: str, field: str = "url") -> None:
    try:
        await check_at_registration(url, settings.webhook_allowed_hosts)
    except TargetRefused as exc:
        raise invalid_field(field, msg("webhook.host_refused", reason=str(exc)), "address_not_allowed",
                            detail=msg("webhook.public_only")) from exc


def readable_subscriptions(principal: Principal) -> Select[WebhookSubscription]:
    return select(WebhookSubscription).where(subscriptions_visible_to(principal))


async def get_subscription(unit: RequestUnit, principal: Principal, subscription_id: uuid.UUID) -> WebhookSubscription:
    found = await unit.session.scalar(
        readable_subscriptions(principal).where(WebhookSubscription.id == subscription_id)
    )
    if found is None:
        raise await invisible(unit, RESOURCE, subscription_id)
    return found


_CREATED_KEY: tuple[Callable[[Any], Any], ...] = (datetime.fromisoformat, uuid.UUID)


async def list_subscriptions(
    unit: RequestUnit, principal: Principal, page: PageParams, agency_id: uuid.UUID | None
) -> tuple[list[WebhookSubscription], str | None]:
    stmt = readable_subscriptions(principal)
    if agency_id is not None:
        stmt = stmt.where(WebhookSubscription.agency_id == agency_id)
    if page.updated_since is not None:
        stmt = stmt.where(WebhookSubscription.updated_at > page.updated_since)
    page = typed_cursor(page, _CREATED_KEY)
    columns: list[ColumnElement[Any]] = [WebhookSubscription.created_at, WebhookSubscription.id]  # type: ignore[list-item]
    rows = (await unit.session.scalars(keyset(stmt, columns, page))).all()
    return cut(rows, page, lambda s: (s.created_at, s.id))


async def create_subscription(
    unit: RequestUnit,
    principal: Principal,
    settings: Settings,
    *,
    subscription_id: uuid.UUID | None,
    agency_id: uuid.UUID | None,
    url: str,
    events: list[str],
    description: str | None,
    active: bool,
) -> tuple[WebhookSubscription, str]:
    """Returns the subscription and its secret, which is never shown again."""
    require(unit, principal, Action.webhook_manage, On(agency_id=agency_id), resource_type=RESOURCE,
            resource_id=subscription_id)
    if only_own_agency(principal, Action.webhook_manage):
        agency_id = principal.agency_id
    elif agency_id is None:
        raise Problem("validation", msg("webhook.agency_required"))
    elif await unit.session.scalar(select(Agency.id).where(Agency.id == agency_id)) is None:
        unknown = msg("field.unknown_reference", what=msg("what.agency"))
        raise invalid_field("agency_id", unknown, "not_found")
    await check_url(settings, url)
    if subscription_id is not None and await unit.session.get(WebhookSubscription, subscription_id) is not None:
        raise id_taken()
    secret = new_secret()
    subscription_id = subscription_id or uuid.uuid4()
    subscription = WebhookSubscription(
        id=subscription_id, agency_id=agency_id, url=url, events=events, description=description,
        secret=secret_box(settings).encrypt(secret, subscription_id), active=active, created_by=principal.id,
    )
    unit.session.add(subscription)
    await unit.session.flush()
    await unit.session.refresh(subscription)
    unit.audit("create", RESOURCE, resource_id=subscription.id,
               detail={"agency_id": str(agency_id), "url": url, "events": events, "active": active})
    return subscription, secret


async def update_subscription(
    unit: RequestUnit, principal: Principal, settings: Settings, subscription_id: uuid.UUID, expected: int,
    changes: dict[str, Any],
) -> WebhookSubscription:
    subscription = await get_subscription(unit, principal, subscription_id)
    check_version(subscription.version, expected)
    if changes.get("url") is not None:
        await check_url(settings, changes["url"])
    for name, value in changes.items():
        if name in ("url", "events", "active") and value is None:
            raise Problem("validation", msg("field.cannot_be_null", field=name))
        setattr(subscription, name, value)
    await unit.session.flush()
    await unit.session.refresh(subscription)
    unit.audit("update", RESOURCE, resource_id=subscription.id,
               detail={k: v for k, v in changes.items() if k != "description"})
    return subscription


async def rotate_secret(
    unit: RequestUnit, principal: Principal, settings: Settings, subscription_id: uuid.UUID, expected: int
) -> tuple[WebhookSubscription, str]:
    """A new secret signs from now on; the old one keeps signing alongside it for the grace
    period, so the partner can switch its receiver over without dropping a delivery."""
    subscription = await get_subscription(unit, principal, subscription_id)
    check_version(subscription.version, expected)
    secret = new_secret()
    grace = settings.webhook_secret_grace_s
    subscription.previous_secret = subscription.secret if grace else None
    subscription.previous_secret_expires_at = datetime.now(UTC) + timedelta(seconds=grace) if grace else None
    subscription.secret = secret_box(settings).encrypt(secret, subscription.id)
    await unit.session.flush()
    await unit.session.refresh(subscription)
    unit.audit("rotate_secret", RESOURCE, resource_id=subscription.id)
    return subscription, secret


async def reencrypt_secrets(session: AsyncSession, box: SecretBox, batch: int = 500) -> int:
    """Moves every stored secret onto the box's current key (and encrypts any stored before
    secrets were encrypted). Leaves `version` alone: a partner's ETag does not change. Returns how
    many subscriptions were rewritten."""
    prefix = f"{PREFIX}{box.current_key_id}:"
    stale = or_(~WebhookSubscription.secret.startswith(prefix, autoescape=True),
                and_(WebhookSubscription.previous_secret.is_not(None),
                     ~WebhookSubscription.previous_secret.startswith(prefix, autoescape=True)))
    done = 0
    while True:
        rows = (await session.execute(
            select(WebhookSubscription.id, WebhookSubscription.secret, WebhookSubscription.previous_secret)
            .where(stale).limit(batch).with_for_update(skip_locked=True))).all()
        for row in rows:
            previous = row.previous_secret
            await session.execute(update(WebhookSubscription).where(WebhookSubscription.id == row.id).values(
                secret=box.encrypt(box.decrypt(row.secret, row.id), row.id),
                previous_secret=None if previous is None else box.encrypt(box.decrypt(previous, row.id), row.id),
            ))
        done += len(rows)
        if len(rows) < batch:
            return done


async def delete_subscription(
    unit: RequestUnit, principal: Principal, subscription_id: uuid.UUID, expected: int
) -> None:
    """Its pending deliveries and delivery log go with it."""
    subscription = await get_subscription(unit, principal, subscription_id)
    check_version(subscription.version, expected)
    await unit.session.delete(subscription)
    await unit.session.flush()
    unit.audit("delete", RESOURCE, resource_id=subscription_id,
               detail={"agency_id": str(subscription.agency_id), "url": subscription.url})


async def list_deliveries(
    unit: RequestUnit, principal: Principal, subscription_id: uuid.UUID, page: PageParams, status: str | None
) -> tuple[list[WebhookDelivery], str | None]:
    await get_subscription(unit, principal, subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    page = typed_cursor(page, _CREATED_KEY)
    columns: list[ColumnElement[Any]] = [WebhookDelivery.created_at, WebhookDelivery.id]  # type: ignore[list-item]
    rows = (await unit.session.scalars(keyset(stmt, columns, page))).all()
    return cut(rows, page, lambda d: (d.created_at, d.id))


async def _get_delivery(
    unit: RequestUnit, principal: Principal, subscription_id: uuid.UUID, delivery_id: uuid.UUID, *, lock: bool = False
) -> WebhookDelivery:
    await get_subscription(unit, principal, subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                         WebhookDelivery.subscription_id == subscription_id)
    if lock:
        stmt = stmt.with_for_update()
    delivery = await unit.session.scalar(stmt)
    if delivery is None:
        raise await invisible(unit, "webhook_delivery", delivery_id)
    return delivery


async def get_delivery(
    unit: RequestUnit, principal: Principal, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    delivery = await _get_delivery(unit, principal, subscription_id, delivery_id)
    attempts = (
        await unit.session.scalars(
            select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.at, WebhookAttempt.id)
        )
    ).all()
    return delivery, list(attempts)


async def retry_delivery(
    unit: RequestUnit, principal: Principal, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """A dead letter gets a fresh round of attempts, due now. Its log keeps the earlier ones."""
    delivery = await _get_delivery(unit, principal, subscription_id, delivery_id, lock=True)
    if delivery.status != DEAD:
        raise Problem("illegal-transition", msg("transition.retry_dead_only", status=delivery.status),
                      current=delivery.status, allowed=[])
    delivery.status = PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = datetime.now(UTC)
    await unit.session.flush()
    unit.audit("retry", "webhook_delivery", resource_id=delivery.id,
               detail={"subscription_id": str(subscription_id), "event_id": str(delivery.event_id)})
    return delivery
