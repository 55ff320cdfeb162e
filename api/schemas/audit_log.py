from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.domain.audit_log_format import b64


class CheckpointRead(BaseModel):
    """A signed checkpoint of the audit log (RFC 9162 tree head as a C2SP signed note)."""

    tree_size: int = Field(description="Number of audit events in the log at this checkpoint")
    root_hash: str = Field(description="RFC 9162 Merkle tree root, base64")
    signed_at: datetime
    key_id: str = Field(description="`kid` of the signing key in /.well-known/jwks.json")
    note: str = Field(description="The signed note: origin, size, root, time, then the signature line")


class LatestCheckpointRead(CheckpointRead):
    seal_lag_s: float = Field(description="Age of the oldest audit event not yet in the log; 0 when none")


class ConsistencyProofRead(BaseModel):
    first: CheckpointRead
    second: CheckpointRead
    proof: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof, base64 node hashes")


class InclusionProofRead(BaseModel):
    event_id: uuid.UUID
    leaf_index: int
    leaf: str = Field(description="The leaf's exact bytes (UTF-8 JSON array of the event's fields)")
    leaf_hash: str = Field(description="SHA-256(0x00 || leaf), base64")
    proof: list[str] = Field(description="RFC 9162 §2.1.3 inclusion proof, base64 node hashes")
    checkpoint: CheckpointRead


def checkpoint_read(cp: Any) -> CheckpointRead:
    """From a stored `AuditCheckpoint`."""
    return CheckpointRead(tree_size=cp.tree_size, root_hash=b64(cp.root_hash), signed_at=cp.signed_at,
                          key_id=cp.key_id, note=cp.note)
