"""The audit trail's hash chain: how a row is hashed, how rows are appended, how the chain is checked."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.db.models import AuditEvent

GENESIS = "0" * 64
# One lock id for the whole table: appends are serialised so every row knows its predecessor.
_CHAIN_LOCK = 7_100_2010

HASHED_FIELDS = (
    "id", "at", "actor_kind", "actor_id", "actor_name", "role", "agency_id", "action", "resource_type",
    "resource_id", "client_id", "subject", "purpose", "outcome", "request_id", "client_addr", "detail",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    payload = orjson.dumps(
        [prev_hash, *(_canonical(row.get(name)) for name in HASHED_FIELDS)], option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(payload).hexdigest()


@dataclass(slots=True)
class PendingEvent:
    action: str
    resource_type: str
    outcome: str = "success"
    resource_id: str | None = None
    client_id: uuid.UUID | None = None
    subject: str | None = None
    purpose: str | None = None
    detail: dict[str, Any] | None = None
    # Durable events (denials, failed logins) are written even when the request's work rolls back.
    durable: bool = False
    actor: dict[str, Any] = field(default_factory=dict)


async def append(session: AsyncSession, events: Sequence[PendingEvent], context: dict[str, Any]) -> None:
    """Insert `events` at the end of the chain, inside the caller's transaction."""
    if not events:
        return
    row = (
        await session.execute(
            text(
                "SELECT pg_advisory_xact_lock(:lock), clock_timestamp() AS now, "
                "(SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1) AS last"
            ),
            {"lock": _CHAIN_LOCK},
        )
    ).one()
    # clock_timestamp() is evaluated after the lock is granted, so times follow chain order.
    now: datetime = row.now
    prev = row.last or GENESIS
    rows = []
    for ev in events:
        values: dict[str, Any] = {
            "id": uuid.uuid4(),
            "at": now,
            **context,
            **ev.actor,
            "action": ev.action,
            "resource_type": ev.resource_type,
            "resource_id": ev.resource_id,
            "client_id": ev.client_id,
            "subject": ev.subject,
            "purpose": ev.purpose if ev.purpose is not None else context.get("purpose"),
            "outcome": ev.outcome,
            "detail": ev.detail,
        }
        values["prev_hash"] = prev
        values["hash"] = prev = row_hash(prev, values)
        rows.append(values)
    await session.execute(insert(AuditEvent), rows)


@dataclass(frozen=True, slots=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


async def verify(conn: AsyncConnection, batch: int = 5000) -> ChainReport:
    prev = GENESIS
    checked = 0
    last_seq = 0
    cols = [getattr(AuditEvent, n) for n in HASHED_FIELDS]
    while True:
        result = await conn.execute(
            select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, *cols)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        )
        rows = result.mappings().all()
        if not rows:
            return ChainReport(checked, None, None)
        for r in rows:
            if r["prev_hash"] != prev:
                return ChainReport(checked, r["seq"], "prev_hash does not match the previous row")
            if row_hash(prev, dict(r)) != r["hash"]:
                return ChainReport(checked, r["seq"], "content does not match its hash")
            prev = r["hash"]
            checked += 1
            last_seq = r["seq"]
