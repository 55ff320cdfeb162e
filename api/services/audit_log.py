"""The auditor's view of the audit trail. Reading it is itself recorded."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select

from api.db.models import AuditEvent
from api.db.unit import RequestUnit
from api.pagination import PageParams, keyset


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    action: str | None = None
    resource_type: str | None = None
    outcome: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def as_detail(self) -> dict[str, str]:
        return {k: v.isoformat() if isinstance(v, datetime) else str(v) for k, v in asdict(self).items()
                if v is not None}


async def list_page(unit: RequestUnit, page: PageParams, where: AuditFilter) -> Sequence[AuditEvent]:
    """Newest first, by insertion order: `seq` is unique and never reused, so pages are stable
    while new events keep arriving."""
    stmt = select(AuditEvent)
    if where.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == where.actor_id)
    if where.client_id is not None:
        stmt = stmt.where(AuditEvent.client_id == where.client_id)
    if where.action is not None:
        stmt = stmt.where(AuditEvent.action == where.action)
    if where.resource_type is not None:
        stmt = stmt.where(AuditEvent.resource_type == where.resource_type)
    if where.outcome is not None:
        stmt = stmt.where(AuditEvent.outcome == where.outcome)
    if where.since is not None:
        stmt = stmt.where(AuditEvent.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEvent.at < where.until)
    if page.updated_since is not None:
        stmt = stmt.where(AuditEvent.at > page.updated_since)
    rows = (await unit.session.scalars(keyset(stmt, [AuditEvent.seq], page, descending=True))).all()
    unit.audit("read", "audit_event", client_id=where.client_id, detail={"filters": where.as_detail(),
                                                                         "returned": min(len(rows), page.limit)})
    return rows
