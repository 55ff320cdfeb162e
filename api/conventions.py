"""HTTP conventions shared by every resource: ETag / If-Match, Idempotency-Key on creates,
Cache-Control for client data. One way to do each."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header
from fastapi.responses import Response
from pydantic import BaseModel

from api.db import idempotency
from api.db.unit import RequestUnit
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem
from api.services.shaping import Shaped, refuse_unshaped

NO_STORE = {"Cache-Control": "no-store"}
_ETAG = re.compile(r'^(?:W/)?"(\d{1,12})"$')


def etag(version: int) -> str:
    return f'"{version}"'


async def if_match(
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=64,
                                          description='The ETag last read, e.g. "3"')] = None,
) -> int:
    """The version the caller last read. Missing → 428; malformed can never match → 412."""
    if if_match is None:
        raise Problem("precondition-required", msg("etag.required"))
    found = _ETAG.match(if_match.strip())
    if not found:
        raise Problem("precondition-failed", msg("etag.malformed"))
    return int(found.group(1))


IfMatchDep = Annotated[int, Depends(if_match)]


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise Problem("precondition-failed", msg("etag.stale", current=current, expected=expected),
                      current_etag=etag(current))


IdempotencyKeyDep = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=200, min_length=1,
           description="Makes a create safe to retry: a retry replays the first response."),
]


def json_response(model: BaseModel, *, status_code: int = 200, version: int | None = None,
                  location: str | None = None, private: bool = True) -> Response:
    headers: dict[str, str] = dict(NO_STORE) if private else {}
    if version is not None:
        headers["ETag"] = etag(version)
    if location is not None:
        headers["Location"] = location
    if isinstance(model, Shaped):
        body: bytes | str = model.json_bytes()
    else:
        refuse_unshaped(model)
        body = model.model_dump_json()
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


def list_response(items: Sequence[BaseModel], *, private: bool = True) -> Response:
    for item in items:
        if not isinstance(item, Shaped):
            refuse_unshaped(item)
    body = b"[" + b",".join(item.json_bytes() if isinstance(item, Shaped) else item.model_dump_json().encode()
                            for item in items) + b"]"
    return Response(body, media_type="application/json", headers=dict(NO_STORE) if private else {})


# Kept beside the stored headers (never sent): the client records the first response named, so that
# each replay of it is audited as a read of the same records.
_AUDITED = "x-audited-records"


async def idempotent(
    unit: RequestUnit,
    principal: Principal,
    key: str | None,
    payload: BaseModel,
    create: Callable[[], Awaitable[Response]],
    *,
    redact: Callable[[Any], Any] | None = None,
) -> Response:
    """Run `create` once per (principal, key); replay its stored response to every retry.

    `redact` shapes the body kept for replays: a one-time secret in the first response must not
    be stored in plain text next to the key, so the replay answers without it."""
    if key is None:
        return await create()
    digest = hashlib.sha256(orjson.dumps(payload.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)).hexdigest()
    ttl_s = int(unit.context.get("idempotency_ttl_s") or idempotency.DEFAULT_TTL_S)
    stored = await idempotency.reserve(unit.session, principal.id, key, digest, ttl_s)
    if stored is not None:
        headers = dict(stored.headers)
        # A replay serves the stored body again: the records it shows are read again, and audited so.
        for resource_type, resource_id, client_id in headers.pop(_AUDITED, []):
            unit.audit("read", resource_type, resource_id=resource_id, client_id=uuid.UUID(client_id),
                       detail={"idempotent_replay": True})
        replay_headers = {**headers, "Idempotent-Replayed": "true"}
        return Response(orjson.dumps(stored.body), status_code=stored.status_code, media_type="application/json",
                        headers=replay_headers)
    first_event = len(unit.events)
    response = await create()
    keep: dict[str, Any] = {
        k: v for k, v in response.headers.items() if k.lower() in ("etag", "location", "cache-control")}
    audited = {(e.resource_type, e.resource_id, str(e.client_id)) for e in unit.events[first_event:]
               if e.client_id is not None and e.outcome == "success"}
    if audited:
        keep[_AUDITED] = sorted(audited, key=lambda t: (t[0], t[1] or "", t[2]))
    body: Any = bytes(response.body).decode()
    if redact is not None:
        body = orjson.dumps(redact(orjson.loads(body))).decode()
    await idempotency.store(unit.session, principal.id, key, response.status_code, body, keep)
    return response
