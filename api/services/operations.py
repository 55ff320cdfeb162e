"""Figures operators watch that live in the database, read once per metrics scrape (so they are the
same whichever worker answers): the webhook outbox's backlog and its dead letters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.domain.webhook_delivery import DEAD, PENDING


@dataclass(frozen=True)
class OutboxFigures:
    pending: int
    due: int
    oldest_due_s: float
    dead: int


# One pass over the outbox; pending rows are found through ix_webhook_outbox_due.
_OUTBOX = text("""
    SELECT count(*) FILTER (WHERE status = :pending) AS pending,
           count(*) FILTER (WHERE status = :pending AND next_attempt_at <= now()) AS due,
           coalesce(extract(epoch FROM now() - min(next_attempt_at) FILTER (
               WHERE status = :pending AND next_attempt_at <= now())), 0) AS oldest_due_s,
           count(*) FILTER (WHERE status = :dead) AS dead
    FROM webhook_outbox WHERE status IN (:pending, :dead)
""")


async def outbox_figures(engine: AsyncEngine) -> OutboxFigures:
    async with engine.connect() as conn:
        row = (await conn.execute(_OUTBOX, {"pending": PENDING, "dead": DEAD})).one()
    return OutboxFigures(pending=int(row.pending), due=int(row.due), oldest_due_s=float(row.oldest_due_s),
                         dead=int(row.dead))
