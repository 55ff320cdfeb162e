"""Hostile input on every write endpoint, found by walking the app's routes: control characters,
NUL, 100,000-character strings, invalid UTF-8, deeply nested JSON, huge numbers and wrong content
types answer a 4xx problem, never a 5xx, and store nothing. New routes are covered automatically."""

from __future__ import annotations

import copy
import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.engine import create_engine
from api.db.models.base import Base
from api.middleware import JsonLogFormatter
from tests.robustness.conftest import Committed

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Written on purpose even when a request is refused: denials are audited durably; counters count.
NOT_DATA = {"audit_event", "rate_counter"}
# Principals tried on each route, so at least one gets past the role guards to the body handling.
# RFC 7009 §2.2: revocation answers 200 even for a token that is not one; nothing is stored.
# The admin's second-factor reset takes no body at all, so no body can be bad: it answers 204 (and,
# with no enrolment in this world, removes nothing).
ALWAYS_OK = {"revoke_token": 200, "reset_user_mfa": 204}
PRINCIPALS = ["caseworker", "supervisor", "admin", "partner", "coordinator", "secretariat"]

BAD_STRINGS = {
    "nul": "a\x00b",
    "control": "a\x01\x1b[31mb",
    "bell_del": "\x07\x7f",
    "lone_surrogate": "\ud800",
    "huge": "x" * 100_000,
}
# Line breaks are legitimate in notes and reasons; what they must not do is forge a log line
# (test_a_newline_in_any_input_cannot_forge_a_log_line).


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _resolve(spec, options[0]) if options else schema
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(spec, schema["allOf"][0])
    return schema


def example(spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, str], key: str = "") -> Any:
    """A plausible value for `schema`: what a careless but well-meaning client would send."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example(spec, sub, ids, name) for name, sub in props.items()}
    if kind == "array":
        return [example(spec, schema.get("items", {}), ids, key)] if schema.get("minItems") else []
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "uuid":
        return ids.get(key, str(uuid.uuid4()))
    if fmt == "date":
        return date.today().isoformat()
    if fmt == "date-time":
        return "2010-07-21T10:00:00+09:00"
    if fmt == "uri":
        return "https://partner.example/hook"
    return "テスト"


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from string_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from string_paths(v, (*path, i))


def number_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from number_paths(v, (*path, k))


def replaced(body: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(body)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


def write_routes(app: FastAPI) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema and r.methods & WRITE_METHODS]


def route_ids(committed: Committed) -> dict[str, str]:
    s = committed.scenario
    return {
        "client_id": str(s.client_in.id), "episode_id": str(s.episode_in.id), "goal_id": str(s.goal_in.id),
        "consent_id": str(s.consent_in.id), "member_id": str(s.member_in.id), "programme_id": str(s.programme.id),
        "user_id": str(committed.world.users["caseworker"]), "agency_id": str(committed.world.agencies["mota"]),
    }


def payloads(spec: dict[str, Any], route: APIRoute, ids: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, httpx request kwargs) for every kind of bad input this route's body can carry."""
    op = spec["paths"][route.path_format][next(iter(route.methods)).lower()]
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        base = example(spec, content["application/json"]["schema"], ids)
        for path in string_paths(base):
            for label, bad in BAD_STRINGS.items():
                # orjson refuses lone surrogates; the standard library writes them as \ud800 escapes.
                yield f"{label}@{'.'.join(map(str, path))}", {
                    "content": json.dumps(replaced(base, path, bad)).encode(),
                    "headers": {"Content-Type": "application/json"},
                }
        for path in number_paths(base):
            for label, big in (("huge_int", 10**400), ("huge_float", "1e400"), ("neg_huge", -(10**30))):
                raw = json.dumps(replaced(base, path, "__BIG__")).replace('"__BIG__"', str(big))
                yield f"{label}@{'.'.join(map(str, path))}", {
                    "content": raw.encode(), "headers": {"Content-Type": "application/json"}}
    if "application/x-www-form-urlencoded" in content:
        props = _resolve(spec, content["application/x-www-form-urlencoded"]["schema"]).get("properties", {})
        for name in props:
            for label, bad in BAD_STRINGS.items():
                if label == "lone_surrogate":
                    continue
                form = {k: "x" for k in props} | {name: bad}
                yield f"form-{label}@{name}", {"data": form}
    yield "invalid_utf8", {"content": b'{"name": "\xff\xfe\xc3\x28"}', "headers": {"Content-Type": "application/json"}}
    yield "deep_nesting", {"content": b"[" * 100_000 + b"]" * 100_000, "headers": {"Content-Type": "application/json"}}
    yield "deep_object", {"content": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
                          "headers": {"Content-Type": "application/json"}}
    yield "not_json", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}
    yield "xml", {"content": b"<client><name>x</name></client>", "headers": {"Content-Type": "application/xml"}}
    yield "text_plain", {"content": b'{"name": "x"}', "headers": {"Content-Type": "text/plain"}}
    yield "multipart", {"files": {"f": ("a.txt", io.BytesIO(b"x"))}}
    yield "empty", {"content": b"", "headers": {"Content-Type": "application/json"}}


async def table_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0)
                for t in Base.metadata.sorted_tables if t.name not in NOT_DATA}


@pytest.fixture
async def data_engine(committed: Committed) -> AsyncEngine:
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def test_bad_input_on_every_write_endpoint_is_a_4xx_problem_and_stores_nothing(
    committed: Committed, committed_app: FastAPI, committed_client: httpx.AsyncClient, data_engine: AsyncEngine
) -> None:
    spec = committed_app.openapi()
    ids = route_ids(committed)
    routes = write_routes(committed_app)
    assert routes, "no write routes found"
    failures: list[str] = []
    sent = 0
    before = await table_counts(data_engine)
    for route in routes:
        method = next(iter(route.methods))
        url = route.path_format.format(**{p: ids.get(p, str(uuid.uuid4())) for p in route.param_convertors})
        for label, kwargs in payloads(spec, route, ids):
            extra_headers = kwargs.pop("headers", {})
            for name in PRINCIPALS:
                headers = {**committed.world.auth(name), "If-Match": '"1"', "Idempotency-Key": uuid.uuid4().hex,
                           **extra_headers}
                response = await committed_client.request(method, url, headers=headers, **kwargs)
                sent += 1
                if ALWAYS_OK.get(route.name) == response.status_code:
                    continue
                problem = response.headers.get("content-type", "").startswith("application/problem+json")
                if not (400 <= response.status_code < 500 and problem):
                    failures.append(f"{method} {route.path_format} {label} as {name}: {response.status_code} "
                                    f"{response.text[:200]}")
                    break
    after = await table_counts(data_engine)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not failures, f"{len(failures)} bad inputs were not refused with a 4xx problem:\n" + "\n".join(failures)
    assert not changed, f"refused requests stored rows: {changed}"
    assert sent > 100


async def test_a_newline_in_any_input_cannot_forge_a_log_line(
    committed: Committed, committed_client: httpx.AsyncClient
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    forged = '\n{"level":"CRITICAL","msg":"forged"}\n'
    try:
        await committed_client.get("/v1/clients/%0A%7B%22level%22%3A%22CRITICAL%22%7D",
                                   headers={**committed.world.auth("caseworker"),
                                            "X-Access-Purpose": "%0Aforged%0D%0A",
                                            "X-Request-ID": "abc\tdef"})
        await committed_client.post("/v1/auth/token", data={"grant_type": "password", "username": forged,
                                                            "password": forged})
        await committed_client.post("/v1/clients", content=forged.encode(),
                                    headers={**committed.world.auth("caseworker"),
                                             "Content-Type": "application/json"})
        logging.getLogger("api.test").warning("message with %s", forged, extra={"fields": {"x": forged}})
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 4
    for line in lines:
        entry = json.loads(line)  # every line is one whole JSON object
        assert entry.get("level") != "CRITICAL"
        assert entry.get("msg") != "forged"


async def test_control_characters_in_the_access_purpose_header_are_dropped_not_fatal(
    committed: Committed, committed_client: httpx.AsyncClient
) -> None:
    response = await committed_client.get(
        f"/v1/clients/{committed.scenario.client_in.id}",
        headers={**committed.world.auth("supervisor"), "X-Access-Purpose": "%00%1B%5B31m%E8%A8%AA%E5%95%8F%ED%A0%80"},
    )
    assert response.status_code == 200
