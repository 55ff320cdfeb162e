from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field

from api.domain.webhook_delivery import EVENT_PATTERN_REGEX
from api.messages import invalid
from api.schemas.common import Input


def _endpoint_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid("webhook.url_absolute")
    if parts.username or parts.password:
        # Credentials in the URL would end up in logs and in every admin's list; use the secret.
        raise invalid("webhook.url_credentials")
    if parts.fragment:
        raise invalid("webhook.url_fragment")
    try:
        parts.port  # noqa: B018  (reading it validates it)
    except ValueError as exc:
        raise invalid("webhook.url_port") from exc
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


EndpointUrl = Annotated[
    str,
    Field(min_length=8, max_length=2000, examples=["https://partner.example/hooks/setagaya"]),
    AfterValidator(_endpoint_url),
]
EventPattern = Annotated[str, Field(min_length=1, max_length=64, pattern=EVENT_PATTERN_REGEX,
                                    examples=["referral.*", "meeting.notice_sent"])]
EventList = Annotated[
    list[EventPattern],
    Field(min_length=1, max_length=32,
          description="Event types to receive: exact (`referral.accepted`), a prefix (`referral.*`) or `*`."),
    AfterValidator(_unique),
]
Description = Annotated[str, Field(max_length=200)]


class WebhookSubscriptionCreate(Input):
    id: uuid.UUID | None = Field(default=None, description="Client-chosen id; a retry with it cannot duplicate.")
    agency_id: uuid.UUID | None = Field(
        default=None, description="Whose subscription: partners may only name (or omit) their own agency; "
                                  "admins must name one.")
    url: EndpointUrl
    events: EventList
    description: Description | None = None
    active: bool = True


class WebhookSubscriptionUpdate(Input):
    url: EndpointUrl | None = None
    events: EventList | None = None
    description: Description | None = None
    active: bool | None = None


class WebhookSubscriptionRead(BaseModel):
    id: uuid.UUID
    agency_id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation, until when the old secret still signs alongside the new one.")


class WebhookSubscriptionWithSecret(WebhookSubscriptionRead):
    secret: str | None = Field(description=(
        "The signing secret (`whsec_` + base64 key, Standard Webhooks), shown only in this response (on create "
        "and on rotation): store it now. Null when an Idempotency-Key replay answers a create: it is never kept."))


class WebhookDeliveryRead(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    resource_type: str
    resource_id: uuid.UUID
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime | None = Field(description="When the next attempt is due; null unless pending.")
    last_status_code: int | None
    last_error: str | None = Field(description=(
        "Why the last attempt failed, as a class: `http_4xx`, `http_5xx` (or another status class), "
        "`unreachable` (no answer: name, connection, TLS or timeout) or `address_not_allowed` (the URL "
        "resolves to an address that is not a public internet address)."))
    created_at: datetime
    delivered_at: datetime | None


class WebhookAttemptRead(BaseModel):
    id: uuid.UUID
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None = Field(description="As `last_error` of the delivery: a class, never the network detail.")
    duration_ms: int
    succeeded: bool


class WebhookDeliveryDetail(WebhookDeliveryRead):
    attempt_log: list[WebhookAttemptRead] = Field(description="Every attempt, oldest first.")


class WebhookEvent(BaseModel):
    """The body of every delivery: ids only; the subscriber reads the resource through the API."""

    id: uuid.UUID = Field(description="The event id, the same for every subscription (Webhook-Id)")
    type: str = Field(description="e.g. referral.accepted")
    resource_type: str
    resource_id: uuid.UUID
    occurred_at: str = Field(description="ISO 8601 with offset, milliseconds")
