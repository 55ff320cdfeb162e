"""Appends audit rows in the caller's transaction: no lock, no predecessor to read. The rows commit
or roll back with the work they record; the sealer (api.services.audit_sealer) later gives them
their positions in the Merkle log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
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
_COLUMNS = ", ".join(LEAF_FIELDS)
# One statement for all of a request's rows (a page read writes one per client shown): the rows
# travel as one JSON array, one parameter, and PostgreSQL turns it into rows of the table's own
# type (so each value is read with its column's type and length). Cheaper on the client than one
# array parameter per column (asyncpg checks every element of every array). `xid` is the column
# default, pg_current_xact_id().
INSERT_SQL = (f"INSERT INTO audit_event ({_COLUMNS}) "
              f"SELECT {_COLUMNS} FROM json_populate_recordset(NULL::audit_event, $1::json)")


def rows_json(rows: Sequence[dict[str, Any]]) -> str:
    """The parameter of INSERT_SQL: the rows as a JSON array (uuids and times as their text forms)."""
    return orjson.dumps(rows, default=str).decode()


async def append(session: AsyncSession, events: Sequence[PendingEvent], context: dict[str, Any]) -> None:
    """Insert `events` inside the caller's transaction."""
    if not events:
        return
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await append_on(raw, events, context)


async def append_on(driver: asyncpg.Connection, events: Sequence[PendingEvent], context: dict[str, Any]) -> None:
    """`append` on the driver connection a session already holds (RequestUnit.driver)."""
    now = datetime.now(UTC)
    shared = {c: context.get(c) for c in _CONTEXT_COLUMNS}
    purpose = context.get("purpose")
    rows = [
        {
            **ev.actor,
            **shared,
            "id": uuid.uuid4(),
            "at": now,
            "action": ev.action,
            "resource_type": ev.resource_type,
            "resource_id": ev.resource_id,
            "client_id": ev.client_id,
            "subject": ev.subject,
            "purpose": ev.purpose if ev.purpose is not None else purpose,
            "outcome": ev.outcome,
            "detail": ev.detail,
        }
        for ev in events
    ]
    await driver.execute(INSERT_SQL, rows_json(rows))
