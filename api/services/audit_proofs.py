"""What the audit log publishes: signed checkpoints, consistency proofs between two of them, and
(to auditors) the inclusion proof of an event. Every hash is computed from the stored tree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from api.db import merkle_store
from api.db.models import AuditCheckpoint, AuditEvent, AuditLeaf
from api.db.unit import RequestUnit
from api.domain import audit_log_format as fmt
from api.domain import merkle
from api.messages import msg
from api.problems import Problem, not_found
from api.services.audit_sealer import seal_lag_seconds


@dataclass(frozen=True, slots=True)
class Inclusion:
    event_id: uuid.UUID
    leaf_index: int
    leaf: bytes
    leaf_hash: bytes
    path: list[bytes]
    checkpoint: AuditCheckpoint


async def latest(unit: RequestUnit) -> tuple[AuditCheckpoint, float]:
    cp = await unit.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.tree_size.desc()).limit(1))
    if cp is None:
        raise Problem("not-found", msg("audit.no_checkpoint"))
    return cp, await seal_lag_seconds(await unit.session.connection())


async def at_size(unit: RequestUnit, size: int) -> AuditCheckpoint:
    cp = await unit.session.get(AuditCheckpoint, size)
    if cp is None:
        raise Problem("not-found", msg("audit.no_checkpoint_of_size", size=size))
    return cp


async def consistency(unit: RequestUnit, first: int, second: int) -> tuple[AuditCheckpoint, AuditCheckpoint,
                                                                           list[bytes]]:
    if not 0 < first <= second:
        raise Problem("validation", msg("audit.consistency_range"))
    older, newer = await at_size(unit, first), await at_size(unit, second)
    path = await merkle_store.node_hashes(await unit.session.connection(), merkle.consistency_path(first, second))
    return older, newer, path


async def inclusion(unit: RequestUnit, event_id: uuid.UUID, tree_size: int | None) -> Inclusion:
    row = (await unit.session.execute(
        select(AuditLeaf.leaf_index, AuditLeaf.leaf_hash, *(getattr(AuditEvent, n) for n in fmt.LEAF_FIELDS))
        .join(AuditEvent, AuditEvent.seq == AuditLeaf.event_seq).where(AuditEvent.id == event_id))).first()
    if row is None:
        exists = await unit.session.scalar(select(func.count()).where(AuditEvent.id == event_id))
        if exists:
            raise Problem("conflict", msg("audit.not_sealed_yet"))
        raise not_found("what.audit_event")
    if tree_size is None:
        cp = (await latest(unit))[0]
    else:
        cp = await at_size(unit, tree_size)
    if row.leaf_index >= cp.tree_size:
        raise Problem("conflict", msg("audit.after_checkpoint", position=row.leaf_index))
    path = await merkle_store.node_hashes(await unit.session.connection(),
                                         merkle.inclusion_path(row.leaf_index, cp.tree_size))
    unit.audit("read", "audit_event", resource_id=event_id, detail={"proof": "inclusion", "tree_size": cp.tree_size})
    return Inclusion(event_id, row.leaf_index, fmt.leaf_bytes(row._mapping), bytes(row.leaf_hash), path, cp)
