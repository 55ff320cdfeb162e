"""Purges copies of client data that nobody reads any more (issue 14, Deliver 8 and 13): webhook
deliveries that were delivered longer ago than `WEBHOOK_DELIVERED_RETENTION_S` (their attempt log
goes with them) and Idempotency-Key records older than `IDEMPOTENCY_TTL_S` (they keep the first
answer of a create, client data included).

A background task in every worker process; a transaction-scoped advisory lock lets one worker purge
at a time, the others skip the round. Deletes go in batches so no round holds locks for long."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.secret_box import secret_box
from api.services.webhooks import reencrypt_secrets

log = logging.getLogger("api.retention")

BATCH = 5000
# pg_try_advisory_xact_lock key: "retention" in ASCII, so no other lock of the service collides.
_LOCK_KEY = 0x726574656E74696F

_DELIVERED = text(
    """
    DELETE FROM webhook_outbox WHERE id IN (
        SELECT id FROM webhook_outbox
        WHERE status = 'delivered' AND delivered_at < now() - make_interval(secs => :keep)
        LIMIT :batch)
    """
)
_IDEMPOTENCY = text(
    """
    DELETE FROM idempotency_record WHERE (principal_id, key) IN (
        SELECT principal_id, key FROM idempotency_record
        WHERE created_at < now() - make_interval(secs => :keep)
        LIMIT :batch)
    """
)


@dataclass(frozen=True, slots=True)
class Purged:
    webhook_deliveries: int = 0
    idempotency_records: int = 0


async def purge(session: AsyncSession, settings: Settings) -> Purged:
    """One round, in the session's transaction (flushes only; the caller commits)."""
    if not await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}):
        return Purged()
    counts = []
    for statement, keep in ((_DELIVERED, settings.webhook_delivered_retention_s),
                            (_IDEMPOTENCY, settings.idempotency_ttl_s)):
        total = 0
        while True:
            result = await session.execute(statement, {"keep": float(keep), "batch": BATCH})
            deleted = int(getattr(result, "rowcount", 0) or 0)
            total += deleted
            if deleted < BATCH:
                break
        counts.append(total)
    return Purged(webhook_deliveries=counts[0], idempotency_records=counts[1])


class RetentionPurge:
    """`start()`/`stop()` run `purge` every `PURGE_INTERVAL_S` (create_app wires it into the lifespan)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def run_once(self) -> Purged:
        async with self._sessionmaker() as session, session.begin():
            purged = await purge(session, self._settings)
        if purged.webhook_deliveries or purged.idempotency_records:
            log.info("purged", extra={"fields": {"webhook_deliveries": purged.webhook_deliveries,
                                                 "idempotency_records": purged.idempotency_records}})
        # Secrets stored before encryption, or under a key being rotated out, move to the current key.
        async with self._sessionmaker() as session, session.begin():
            moved = await reencrypt_secrets(session, secret_box(self._settings))
        if moved:
            log.info("webhook secrets re-encrypted", extra={"fields": {"subscriptions": moved}})
        return purged

    async def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._loop(), name="retention-purge")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            try:  # let a round in progress finish (and commit or roll back) rather than cut its connection
                await asyncio.wait_for(asyncio.shield(self._task), timeout=10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not end purging for the life of the process
                log.exception("retention purge failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._settings.purge_interval_s)
