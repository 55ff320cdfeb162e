"""Schemathesis against the ASGI app: every operation in the OpenAPI document, sent once per
principal (each role's real token, and none), with the checks the issue names: no 5xx, responses
match their schema, status codes and content types are documented.

Walks the generated spec, so operations added on other branches are fuzzed with no change here.
Bounded by FUZZ_MAX_EXAMPLES per operation (default 5, which keeps `make test` near 15 minutes with
~200 operations; every example is sent once per principal; FUZZ_MAX_EXAMPLES=25 for a deeper run)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Uuid, select

from api.config import Settings
from api.db.engine import create_engine, drop_database
from api.db.models.base import Base
from tests.robustness.conftest import Committed, build_committed_database, database_name
from tests.world import MACHINES, USERS

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PRINCIPALS: list[str | None] = [None, *(name for name, *_ in USERS), *(name for name, *_ in MACHINES)]


@pytest.fixture(scope="module")
async def fuzz_db(server_url: str, settings: Settings) -> AsyncIterator[Committed]:
    # Its own database: fuzzed writes really commit and must not disturb the other robustness tests.
    built = await build_committed_database(server_url, settings, "iko_fuzz")
    try:
        yield built
    finally:
        await drop_database(server_url, database_name(built.url))


@pytest.fixture(scope="module")
def fuzz_app(fuzz_db: Committed) -> Iterator[FastAPI]:
    app = fuzz_db.app()
    try:
        yield app
    finally:
        # Schemathesis runs the app's lifespan on its own event loop; ending it disposes the pool there.
        schemathesis_asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def fuzz_headers(fuzz_db: Committed) -> dict[str | None, dict[str, str]]:
    return {name: ({} if name is None else fuzz_db.world.auth(name)) for name in PRINCIPALS}


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)


@pytest.fixture(scope="module")
async def known_ids(fuzz_db: Committed) -> list[str]:
    """Ids of records that exist, from every table with a UUID `id` (tables added later count too),
    so path parameters reach real rows and not only 404s."""
    engine = create_engine(fuzz_db.url, fuzz_db.settings, pool_size=1)
    ids: list[str] = []
    try:
        async with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                column = table.c.get("id")
                if column is not None and isinstance(column.type, Uuid):
                    ids += [str(v) for v in (await conn.scalars(select(column).limit(20))).all()]
    finally:
        await engine.dispose()
    return ids


def _cases(operation: APIOperation, known: list[str]) -> st.SearchStrategy[schemathesis.Case]:
    generated = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

    @st.composite
    def aimed(draw: st.DrawFn) -> schemathesis.Case:
        case: schemathesis.Case = draw(generated)
        for name in list(case.path_parameters or {}):
            if draw(st.booleans()):
                case.path_parameters[name] = draw(st.sampled_from(known))  # type: ignore[index]
        has_if_match = any(p.name == "If-Match" for p in operation.headers)
        if has_if_match and draw(st.booleans()):
            case.headers = {**(case.headers or {}), "If-Match": draw(st.sampled_from(['"1"', '"2"']))}
        return case

    return aimed()


def _fuzz_operation(operation: APIOperation, known: list[str],
                    headers_by_principal: dict[str | None, dict[str, str]]) -> None:
    @given(case=_cases(operation, known))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        for name, headers in headers_by_principal.items():
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except BaseException as exc:
                exc.add_note(f"principal: {name or 'anonymous'}")
                raise

    run()


@pytest.mark.fuzz
def test_fuzz_every_operation_as_every_principal(
    fuzz_schema: schemathesis.BaseSchema, fuzz_headers: dict[str | None, dict[str, str]], known_ids: list[str]
) -> None:
    # One loop instead of schemathesis' pytest plugin, whose lazy loader does not run under pytest 9;
    # every operation is tried even after one fails, so a run names every broken operation at once.
    failures: list[str] = []
    operations = 0
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _fuzz_operation(operation, known_ids, fuzz_headers)
        except Exception as exc:
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures.append(f"== {operation.label}\n{notes}\n{exc}")
    assert operations > 0
    assert not failures, f"{len(failures)} of {operations} operations failed:\n\n" + "\n\n".join(failures)
