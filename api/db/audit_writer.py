"""Appends audit rows in the caller's transaction: no lock, no predecessor to read. The rows commit
or roll back with the work they record; the sealer (api.services.audit_sealer) later gives them
their positions in the Merkle log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from api.domain.audit_log_format import LEAF_FIELDS


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


_CONTEXT_COLUMNS = ("request_id", "client_addr")
# One statement for all of a request's rows (a page read writes one per client shown): the rows
# arrive as arrays and unnest into the table. `xid` is the column default, pg_current_xact_id().
_ARRAY_TYPES = {"id": "uuid", "at": "timestamptz", "actor_id": "uuid", "agency_id": "uuid",
                "client_id": "uuid", "detail": "jsonb"}
_PARAMS = ", ".join(f"${i + 1}::{_ARRAY_TYPES.get(c, 'text')}[]" for i, c in enumerate(LEAF_FIELDS))
INSERT_SQL = f"INSERT INTO audit_event ({', '.join(LEAF_FIELDS)}) SELECT * FROM unnest({_PARAMS})"


async def append(session: AsyncSession, events: Sequence[PendingEvent], context: dict[str, Any]) -> None:
    """Insert `events` inside the caller's transaction."""
    if not events:
        return
    now = datetime.now(UTC)
    columns: dict[str, list[Any]] = {name: [] for name in LEAF_FIELDS}
    for ev in events:
        actor = ev.actor
        values = {
            "id": uuid.uuid4(),
            "at": now,
            "actor_kind": actor.get("actor_kind"),
            "actor_id": actor.get("actor_id"),
            "actor_name": actor.get("actor_name"),
            "role": actor.get("role"),
            "agency_id": actor.get("agency_id"),
            "action": ev.action,
            "resource_type": ev.resource_type,
            "resource_id": ev.resource_id,
            "client_id": ev.client_id,
            "subject": ev.subject,
            "purpose": ev.purpose if ev.purpose is not None else context.get("purpose"),
            "outcome": ev.outcome,
            "detail": None if ev.detail is None else orjson.dumps(ev.detail).decode(),
            **{c: context.get(c) for c in _CONTEXT_COLUMNS},
        }
        for name in LEAF_FIELDS:
            columns[name].append(values[name])
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.execute(INSERT_SQL, *(columns[name] for name in LEAF_FIELDS))
