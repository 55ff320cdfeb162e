"""Idempotency-Key records (IETF draft): the first completed response is replayed to retries
for `IDEMPOTENCY_TTL_S` (24 h); after that the key is forgotten (a reuse starts afresh) and the
background purge (api.services.retention) deletes the record."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.messages import msg
from api.problems import Problem


@dataclass(frozen=True, slots=True)
class Stored:
    status_code: int
    body: Any
    headers: dict[str, Any]


DEFAULT_TTL_S = 24 * 3600

# An expired record is taken over as if it were not there (the purge may not have run yet).
_RESERVE = text(
    """
    INSERT INTO idempotency_record AS r (principal_id, key, request_hash)
    VALUES (:principal, :key, :hash)
    ON CONFLICT (principal_id, key) DO UPDATE
    SET request_hash = EXCLUDED.request_hash, status_code = NULL, response_body = NULL,
        response_headers = NULL, created_at = now()
    WHERE r.created_at < now() - make_interval(secs => :ttl)
    RETURNING key
    """
)
_READ = text(
    "SELECT request_hash, status_code, response_body, response_headers FROM idempotency_record "
    "WHERE principal_id = :principal AND key = :key"
)
_STORE = text(
    "UPDATE idempotency_record SET status_code = :status, response_body = CAST(:body AS jsonb), "
    "response_headers = CAST(:headers AS jsonb) WHERE principal_id = :principal AND key = :key"
)


async def reserve(session: AsyncSession, principal: uuid.UUID, key: str, request_hash: str,
                  ttl_s: int = DEFAULT_TTL_S) -> Stored | None:
    """None: go ahead (the key is now ours until this transaction ends). Otherwise the response
    to replay. A concurrent first request holds the key's row lock, so a retry waits for it."""
    reserved = await session.scalar(_RESERVE, {"principal": principal, "key": key, "hash": request_hash,
                                               "ttl": float(ttl_s)})
    if reserved is not None:
        return None
    row = (await session.execute(_READ, {"principal": principal, "key": key})).one()
    if row.request_hash != request_hash:
        raise Problem("idempotency-key-reused", msg("idempotency.reused"))
    if row.status_code is None:
        raise Problem("idempotency-in-progress", msg("idempotency.in_progress"))
    return Stored(row.status_code, row.response_body, dict(row.response_headers or {}))


async def store(session: AsyncSession, principal: uuid.UUID, key: str, status: int, body: str,
                headers: dict[str, Any]) -> None:
    import orjson

    await session.execute(
        _STORE,
        {"principal": principal, "key": key, "status": status, "body": body,
         "headers": orjson.dumps(headers).decode()},
    )
