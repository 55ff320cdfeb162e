"""Every table, imported here so Alembic and the drift test see the whole metadata."""

from api.db.models.audit import AuditEvent
from api.db.models.base import Base
from api.db.models.changes import ChangeLog, WorkerDayLoad
from api.db.models.clients import CareTeamMember, Client, Consent, Programme
from api.db.models.episodes import Activity, Decision, Episode, EpisodeStatusChange, Goal
from api.db.models.identity import Agency, ApiClient, Branch, RefreshToken, RevokedAccessToken, UserAccount
from api.db.models.infra import IdempotencyRecord, RateCounter
from api.db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Activity",
    "Agency",
    "ApiClient",
    "AuditEvent",
    "Base",
    "Branch",
    "CareTeamMember",
    "ChangeLog",
    "Client",
    "Consent",
    "Decision",
    "Episode",
    "EpisodeStatusChange",
    "Goal",
    "IdempotencyRecord",
    "Programme",
    "RateCounter",
    "RefreshToken",
    "RevokedAccessToken",
    "UserAccount",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerDayLoad",
]
