"""Every table, imported here so Alembic and the drift test see the whole metadata."""

from api.db.models.audit import AuditEvent
from api.db.models.base import Base
from api.db.models.identity import Agency, ApiClient, Branch, RefreshToken, RevokedAccessToken, UserAccount
from api.db.models.infra import IdempotencyRecord, RateCounter
from api.db.models.meetings import (
    AgendaItem,
    Council,
    Meeting,
    MeetingAgency,
    NoticeDelivery,
    NoticeSubscription,
    Subcommittee,
)

__all__ = [
    "Agency",
    "AgendaItem",
    "ApiClient",
    "AuditEvent",
    "Base",
    "Branch",
    "Council",
    "IdempotencyRecord",
    "Meeting",
    "MeetingAgency",
    "NoticeDelivery",
    "NoticeSubscription",
    "RateCounter",
    "RefreshToken",
    "RevokedAccessToken",
    "Subcommittee",
    "UserAccount",
]
