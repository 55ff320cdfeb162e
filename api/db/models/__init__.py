"""Every table, imported here so Alembic and the drift test see the whole metadata."""

from api.db.models.audit import AuditEvent
from api.db.models.base import Base
from api.db.models.identity import Agency, ApiClient, Branch, RefreshToken, RevokedAccessToken, UserAccount
from api.db.models.infra import IdempotencyRecord, RateCounter
from api.db.models.resources import CapacityHistory, Location, Service, ServiceAtLocation, ServiceCapacity

__all__ = [
    "Agency",
    "ApiClient",
    "AuditEvent",
    "Base",
    "Branch",
    "CapacityHistory",
    "IdempotencyRecord",
    "Location",
    "RateCounter",
    "RefreshToken",
    "RevokedAccessToken",
    "Service",
    "ServiceAtLocation",
    "ServiceCapacity",
    "UserAccount",
]
