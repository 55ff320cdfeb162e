"""Matrix rows for the Merkle audit log. Checkpoints and consistency proofs are public (sizes and
hashes only, like a Certificate Transparency log's); an event's inclusion proof carries the event,
so only the auditor gets it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from api.config import Settings
from api.db import audit_writer
from api.db.models import AuditEvent
from api.services.audit_sealer import LEAF_COLUMNS, Signer, _log_end, extend
from tests.authz import Call, RouteCase, expect

ORIGIN = Settings.model_fields["audit_log_origin"].default


async def _seal(ctx: Any) -> tuple[int, Any]:
    """Write an event and seal it (inside the matrix's rolled-back transaction); (tree size, event id)."""
    await audit_writer.append(ctx.db, [audit_writer.PendingEvent(
        action="read", resource_type="probe", actor={"actor_kind": "system"})], {"request_id": "authz-matrix"})
    conn = await ctx.db.connection()
    size, _, last_seq = await _log_end(conn)
    rows = (await conn.execute(select(*LEAF_COLUMNS).where(AuditEvent.seq > last_seq)
                               .order_by(AuditEvent.seq))).all()
    await extend(conn, list(rows), size, Signer(ctx.world.tokens.keys, ORIGIN))
    return size + len(rows), rows[-1].id


async def _latest(ctx: Any, in_scope: bool) -> Call:
    await _seal(ctx)
    return Call(path="/v1/audit/checkpoints/latest")


async def _by_size(ctx: Any, in_scope: bool) -> Call:
    size, _ = await _seal(ctx)
    return Call(path=f"/v1/audit/checkpoints/{size}")


async def _consistency(ctx: Any, in_scope: bool) -> Call:
    first, _ = await _seal(ctx)
    second, _ = await _seal(ctx)
    return Call(path="/v1/audit/checkpoints/consistency", params={"first": str(first), "second": str(second)})


async def _proof(ctx: Any, in_scope: bool) -> Call:
    _, event_id = await _seal(ctx)
    return Call(path=f"/v1/audit-events/{event_id}/proof")


CASES = [
    RouteCase("GET", "/v1/audit/checkpoints/latest", _latest, expect(200)),
    RouteCase("GET", "/v1/audit/checkpoints/{tree_size}", _by_size, expect(200)),
    RouteCase("GET", "/v1/audit/checkpoints/consistency", _consistency, expect(200)),
    RouteCase("GET", "/v1/audit-events/{event_id}/proof", _proof, expect(403, auditor=200, anonymous=401)),
]
