"""The audit trail's hash chain: how a row is hashed, how rows are appended, how the chain is checked."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
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


_INSERT_COLUMNS = ("id", "at", *(c for c in HASHED_FIELDS if c not in ("id", "at")), "prev_hash", "hash")
_INSERT_SQL = (f"INSERT INTO audit_event ({', '.join(_INSERT_COLUMNS)}) "
               f"VALUES ({', '.join(f'${i + 1}' for i in range(len(_INSERT_COLUMNS)))})")
# Two statements, not one: under READ COMMITTED a statement reads with the snapshot taken when it
# started, i.e. before its lock call waited, so a last-hash read in the lock's own statement misses the
# row the previous holder just committed and the chain forks under concurrency (seen in the benchmark:
# ~5 % of rows chained to a stale predecessor). The read after the lock gets a fresh snapshot.
_LOCK_SQL = "SELECT pg_advisory_xact_lock($1)"
_HEAD_SQL = "SELECT clock_timestamp() AS now, (SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1) AS last"


async def append(session: AsyncSession, events: Sequence[PendingEvent], context: dict[str, Any]) -> None:
    """Insert `events` at the end of the chain, inside the caller's transaction.

    The chain lock is held from here until the caller's COMMIT (its WAL flush included), and every
    audited request of every worker queues on it: everything that does not need the previous hash
    (the session's pending writes, the rows' values) is done before taking it, and inside it there
    are three statements on the driver's connection (the lock, the last-hash read, a pipelined
    executemany) with only the hashing between them."""
    if not events:
        return
    await session.flush()  # the request's own writes, outside the lock
    rows: list[dict[str, Any]] = []
    for ev in events:
        rows.append({
            "id": uuid.uuid4(),
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
        })
    details = [None if r["detail"] is None else orjson.dumps(r["detail"]).decode() for r in rows]
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.execute(_LOCK_SQL, _CHAIN_LOCK)
    lock = await raw.fetchrow(_HEAD_SQL)
    # clock_timestamp() is evaluated after the lock is granted, so times follow chain order.
    now: datetime = lock["now"]
    prev = lock["last"] or GENESIS
    records = []
    for values, detail in zip(rows, details, strict=True):
        values["at"] = now
        values["prev_hash"] = prev
        values["hash"] = prev = row_hash(prev, values)
        records.append(tuple(detail if c == "detail" else values.get(c) for c in _INSERT_COLUMNS))
    await raw.executemany(_INSERT_SQL, records)


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
