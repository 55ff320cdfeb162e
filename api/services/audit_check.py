"""`verify-audit`: recompute the whole Merkle log from the audit rows and check it against what is
stored and what was signed.

Checks, in one pass over the leaves: positions are 0, 1, 2, … without gaps; each leaf hash is the
hash of its event's content as stored now (an edited row fails here); every cached subtree hash is
the recomputed one; every checkpoint's root is the root of that many leaves of this one sequence
(so the checkpoints are consistent with each other: each is a prefix of the next) and its signed
note verifies under a key the service knows. Then: the served consistency proof from each recent
checkpoint to the latest verifies, and no event has stayed unsealed longer than the threshold."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.config import Settings
from api.db import merkle_store
from api.db.engine import create_engine
from api.db.models import AuditCheckpoint, AuditEvent, AuditLeaf, AuditSubtree
from api.domain import audit_log_format as fmt
from api.domain import merkle
from api.security import KeyRing, verify_signature

_EVENT_COLUMNS = [getattr(AuditEvent, name) for name in fmt.LEAF_FIELDS]
PROOF_SPOT_CHECKS = 200


@dataclass
class LogReport:
    leaves: int = 0
    checkpoints: int = 0
    unsealed_overdue: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_note(note: str, size: int, root: bytes, origin: str, keys_der: list[bytes]) -> str | None:
    """Why a stored checkpoint's signed note is not good, or None."""
    try:
        parsed = fmt.parse_note(note)
    except ValueError as exc:
        return f"unreadable note ({exc})"
    if (parsed.origin, parsed.size, parsed.root) != (origin, size, root):
        return "note does not state the stored size and root"
    known = {fmt.key_hash(origin, der): der for der in keys_der}
    for name, key_id, signature in parsed.signatures:
        der = known.get(key_id)
        if name == origin and der is not None and verify_signature(der, parsed.body.encode(), signature):
            return None
    return "no valid signature by a known key"


class _Frontier:
    """The perfect subtrees of the leaves seen so far (largest first): O(log n) memory."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []  # (size, hash)
        self.count = 0

    def push(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; return the perfect subtrees it completed as (level, index, hash)."""
        size, h = 1, leaf
        completed = []
        while self.stack and self.stack[-1][0] == size:
            _, left = self.stack.pop()
            h = merkle.node_hash(left, h)
            size *= 2
            completed.append((size.bit_length() - 1, self.count // size, h))
        self.stack.append((size, h))
        self.count += 1
        return completed

    def root(self) -> bytes:
        return merkle.fold([h for _, h in self.stack])


async def verify_log(conn: AsyncConnection, keys: KeyRing, origin: str, max_unsealed_age_s: float,
                     batch: int = 5000) -> LogReport:
    report = LogReport()
    keys_der = keys.public_keys_der()
    # Checkpoints are read a batch of leaves at a time (there is one every second or so under load).
    pending: deque[Any] = deque()

    async def load_checkpoints(lo: int, hi: int) -> None:
        pending.extend((await conn.execute(
            select(AuditCheckpoint.tree_size, AuditCheckpoint.root_hash, AuditCheckpoint.note)
            .where(AuditCheckpoint.tree_size >= lo, AuditCheckpoint.tree_size <= hi)
            .order_by(AuditCheckpoint.tree_size))).all())
    cache = {(level, index): bytes(h) for level, index, h in await conn.execute(
        select(AuditSubtree.level, AuditSubtree.index, AuditSubtree.hash))}
    frontier = _Frontier()

    def check_checkpoints_at(size: int) -> None:
        while pending and pending[0].tree_size == size:
            cp = pending.popleft()
            report.checkpoints += 1
            root = frontier.root() if size else merkle.EMPTY_ROOT
            if bytes(cp.root_hash) != root:
                report.problems.append(f"checkpoint {size}: root is not the root of the first {size} leaves")
            elif (why := check_note(cp.note, size, root, origin, keys_der)) is not None:
                report.problems.append(f"checkpoint {size}: {why}")

    await load_checkpoints(0, 0)
    check_checkpoints_at(0)
    while True:
        rows = (await conn.execute(
            select(AuditLeaf.leaf_index, AuditLeaf.leaf_hash, *_EVENT_COLUMNS)
            .join(AuditEvent, AuditEvent.seq == AuditLeaf.event_seq)
            .where(AuditLeaf.leaf_index >= frontier.count).order_by(AuditLeaf.leaf_index).limit(batch))).all()
        if not rows:
            break
        await load_checkpoints(frontier.count + 1, frontier.count + len(rows))
        for r in rows:
            if r.leaf_index != frontier.count:
                report.problems.append(f"leaf {frontier.count} is missing")
                return report
            expected = merkle.leaf_hash(fmt.leaf_bytes(r._mapping))
            if bytes(r.leaf_hash) != expected:
                report.problems.append(f"leaf {r.leaf_index}: event {r.id} does not match its leaf hash")
            for level, index, h in frontier.push(expected):
                if level >= merkle_store.SUBTREE_MIN_LEVEL:
                    stored = cache.pop((level, index), None)
                    if stored != h:
                        report.problems.append(f"cached subtree ({level}, {index}) is "
                                               f"{'missing' if stored is None else 'wrong'}")
            check_checkpoints_at(frontier.count)
    report.leaves = frontier.count
    largest = await conn.scalar(select(func.max(AuditCheckpoint.tree_size)))
    if largest is not None and largest > frontier.count:
        report.problems.append(f"checkpoint {largest} is beyond the {frontier.count} leaves")
    elif largest is not None and largest != frontier.count:
        report.problems.append(f"{frontier.count - largest} leaves are in no checkpoint")
    if cache:
        report.problems.append(f"{len(cache)} cached subtrees lie beyond the log")
    if largest and not report.problems:
        recent = (await conn.execute(select(AuditCheckpoint.tree_size, AuditCheckpoint.root_hash)
                                     .where(AuditCheckpoint.tree_size > 0)
                                     .order_by(AuditCheckpoint.tree_size.desc()).limit(PROOF_SPOT_CHECKS))).all()
        await _spot_check_consistency(conn, recent[::-1], report)
    cutoff = datetime.now(UTC) - timedelta(seconds=max_unsealed_age_s)
    report.unsealed_overdue = await conn.scalar(
        select(func.count()).select_from(AuditEvent)
        .where(AuditEvent.at < cutoff, ~select(AuditLeaf.event_seq).where(AuditLeaf.event_seq == AuditEvent.seq)
               .exists())) or 0
    if report.unsealed_overdue:
        report.problems.append(f"{report.unsealed_overdue} events unsealed for more than {max_unsealed_age_s:g} s")
    return report


async def _spot_check_consistency(conn: AsyncConnection, checkpoints: Sequence[Any], report: LogReport) -> None:
    """The proofs the API serves, checked the way an outside auditor would."""
    latest = checkpoints[-1]
    for cp in checkpoints[:-1]:
        path = await merkle_store.node_hashes(conn, merkle.consistency_path(cp.tree_size, latest.tree_size))
        if not merkle.verify_consistency(cp.tree_size, latest.tree_size, bytes(cp.root_hash),
                                         bytes(latest.root_hash), path):
            report.problems.append(f"consistency proof {cp.tree_size} → {latest.tree_size} does not verify")


async def verify(settings: Settings) -> LogReport:
    assert settings.database_url
    engine = create_engine(settings.database_url, settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await verify_log(conn, KeyRing.from_settings(settings), settings.audit_log_origin,
                                    settings.audit_unsealed_max_age_s)
    finally:
        await engine.dispose()
