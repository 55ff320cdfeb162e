"""The audit log's sealer: gives committed audit rows their positions in the Merkle log and signs
checkpoints. One runs at a time across every worker and instance (a session advisory lock); the
others stand by and take over when its connection goes.

A row is sealed once its transaction is below the snapshot's xmin horizon: every transaction with
a smaller id has finished, so no row can still appear before the ones sealed. Positions follow
(transaction id, seq): deterministic, and the same on every replay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from api.config import Settings
from api.db import merkle_store
from api.db.models import AuditCheckpoint, AuditEvent, AuditLeaf
from api.domain import audit_log_format as fmt
from api.domain import merkle
from api.security import KeyRing

log = logging.getLogger("api.audit_sealer")

SEALER_LOCK = 7_100_2011
LEAF_COLUMNS = [AuditEvent.seq, *(getattr(AuditEvent, name) for name in fmt.LEAF_FIELDS)]


@dataclass(frozen=True, slots=True)
class Signer:
    keys: KeyRing
    origin: str

    def checkpoint(self, size: int, root: bytes, at: datetime) -> dict[str, Any]:
        body = fmt.note_body(self.origin, size, root, at)
        key_id = fmt.key_hash(self.origin, self.keys.public_keys_der()[0])
        note = fmt.signed_note(body, self.origin, key_id, self.keys.sign_bytes(body.encode()))
        return {"tree_size": size, "root_hash": root, "signed_at": at, "key_id": self.keys.current_kid, "note": note}


@dataclass(frozen=True, slots=True)
class Sealed:
    tree_size: int
    added: int


async def _log_end(conn: AsyncConnection) -> tuple[int, int, int]:
    """(leaf count, xid, seq) of the last sealed event; (0, -1, 0) for an empty log."""
    last = (await conn.execute(
        select(AuditLeaf.leaf_index, AuditEvent.xid, AuditEvent.seq)
        .join(AuditEvent, AuditEvent.seq == AuditLeaf.event_seq)
        .order_by(AuditLeaf.leaf_index.desc()).limit(1))).first()
    return (0, -1, 0) if last is None else (last.leaf_index + 1, last.xid, last.seq)


async def extend(conn: AsyncConnection, events: list[Any], size: int, signer: Signer) -> Sealed | None:
    """Append `events` (rows with `seq` and the leaf fields) after `size` leaves, cache the completed
    subtrees and sign a checkpoint of the new size. Nothing when the latest checkpoint already
    covers every leaf. Runs in the caller's transaction."""
    if events:
        await conn.execute(insert(AuditLeaf), [
            {"leaf_index": size + i, "event_seq": e.seq, "leaf_hash": merkle.leaf_hash(fmt.leaf_bytes(e._mapping))}
            for i, e in enumerate(events)])
    new_size = size + len(events)
    signed = await conn.scalar(select(func.max(AuditCheckpoint.tree_size)))
    if signed is not None and signed == new_size:
        return None
    await merkle_store.cache_subtrees(conn, signed or 0, new_size)
    root = await merkle_store.root(conn, new_size)
    await conn.execute(insert(AuditCheckpoint),
                       [signer.checkpoint(new_size, root, datetime.now(UTC))])
    return Sealed(new_size, len(events))


async def seal_round(conn: AsyncConnection, signer: Signer, batch: int = 50_000) -> Sealed | None:
    """Seal what has become sealable, in the caller's transaction."""
    horizon = await conn.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    size, last_xid, last_seq = await _log_end(conn)
    events = (await conn.execute(
        select(*LEAF_COLUMNS)
        .where(tuple_(AuditEvent.xid, AuditEvent.seq) > tuple_(last_xid, last_seq), AuditEvent.xid < horizon)
        .order_by(AuditEvent.xid, AuditEvent.seq).limit(batch))).all()
    return await extend(conn, list(events), size, signer)


async def seal_lag_seconds(conn: AsyncConnection) -> float:
    """Age of the oldest audit event not yet in the log (0 when all are): what operators watch."""
    _, last_xid, last_seq = await _log_end(conn)
    oldest = await conn.scalar(select(func.min(AuditEvent.at))
                               .where(tuple_(AuditEvent.xid, AuditEvent.seq) > tuple_(last_xid, last_seq)))
    if oldest is None:
        return 0.0
    return max(0.0, (datetime.now(UTC) - oldest).total_seconds())


class AuditSealer:
    """The background task: try the sealer lock, and while holding it seal every interval."""

    def __init__(self, engine: AsyncEngine, settings: Settings, keys: KeyRing) -> None:
        self._engine = engine
        self._signer = Signer(keys, settings.audit_log_origin)
        self._interval = settings.audit_seal_interval_s
        self._batch = settings.audit_seal_batch
        self._task: asyncio.Task[None] | None = None
        self.is_leader = False

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="audit-sealer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        while True:
            try:
                async with self._engine.connect() as conn:
                    try:
                        if await self._lead(conn):
                            while True:
                                async with conn.begin():
                                    await seal_round(conn, self._signer, self._batch)
                                await asyncio.sleep(self._interval)
                    finally:
                        self.is_leader = False
                        # The lock is the connection's: released before it goes back to the pool.
                        with contextlib.suppress(Exception):
                            await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                            await conn.commit()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("sealing round failed; retrying", exc_info=True)
            await asyncio.sleep(self._interval * 4)

    async def seal_until_current(self) -> int | None:
        """Seal everything sealable now (several rounds if the backlog is big) and return the log's
        size; None when another process holds the sealer lock. For `python -m api sealer --once`."""
        async with self._engine.connect() as conn:
            try:
                if not await self._lead(conn):
                    return None
                while True:
                    async with conn.begin():
                        sealed = await seal_round(conn, self._signer, self._batch)
                    if sealed is None or sealed.added < self._batch:
                        async with conn.begin():
                            return (await _log_end(conn))[0]
            finally:
                self.is_leader = False
                with contextlib.suppress(Exception):
                    await conn.execute(text("SELECT pg_advisory_unlock_all()"))
                    await conn.commit()

    async def _lead(self, conn: AsyncConnection) -> bool:
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": SEALER_LOCK}))
        await conn.commit()
        if got and not self.is_leader:
            log.info("this process seals the audit log")
        self.is_leader = got
        return got
