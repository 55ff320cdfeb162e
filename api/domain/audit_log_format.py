"""What the audit log's Merkle leaves and checkpoints are, byte for byte: the formats an outside
verifier needs (documented in README "Verifying the audit log"; scripts/verify_audit_proof.py)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

# The event's fields in a leaf, in this order. A leaf is the JSON array of their values
# (UUIDs as strings, times ISO 8601 with microseconds and offset, object keys sorted).
LEAF_FIELDS = (
    "id", "at", "actor_kind", "actor_id", "actor_name", "role", "agency_id", "action", "resource_type",
    "resource_id", "client_id", "subject", "purpose", "outcome", "request_id", "client_addr", "detail",
)
SIGNATURE_DASH = "\u2014"


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def leaf_bytes(row: Mapping[Any, Any]) -> bytes:
    return orjson.dumps([_canonical(row.get(name)) for name in LEAF_FIELDS], option=orjson.OPT_SORT_KEYS)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def note_body(origin: str, size: int, root: bytes, at: datetime) -> str:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash, plus one extension line with the time."""
    stamp = at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return f"{origin}\n{size}\n{b64(root)}\ntime {stamp}\n"


def key_hash(name: str, public_key_der: bytes) -> bytes:
    """The 4-byte key id of a signature line: SHA-256(name || 0x0A || SubjectPublicKeyInfo DER)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + public_key_der).digest()[:4]


def signed_note(body: str, name: str, key_id: bytes, signature: bytes) -> str:
    """C2SP signed-note: the body, a blank line, then `— <name> <base64(key id || signature)>`."""
    return f"{body}\n{SIGNATURE_DASH} {name} {b64(key_id + signature)}\n"


@dataclass(frozen=True, slots=True)
class ParsedNote:
    body: str
    origin: str
    size: int
    root: bytes
    signatures: list[tuple[str, bytes, bytes]]  # (name, key id, signature)


def parse_note(note: str) -> ParsedNote:
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise ValueError("no signature block")
    body += "\n"
    lines = body.split("\n")
    if len(lines) < 4:
        raise ValueError("checkpoint body too short")
    signatures = []
    for line in sigs.splitlines():
        dash, name, blob = line.split(" ")
        if dash != SIGNATURE_DASH:
            raise ValueError("not a signature line")
        raw = base64.b64decode(blob, validate=True)
        signatures.append((name, raw[:4], raw[4:]))
    return ParsedNote(body=body, origin=lines[0], size=int(lines[1]), root=base64.b64decode(lines[2]),
                      signatures=signatures)
