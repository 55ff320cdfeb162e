"""A misspelt filter is refused, never silently ignored: every GET operation of the committed
spec that takes query parameters answers `?foo=1` with a 422 naming `foo` and listing what it
accepts (README, "Lists and statistics")."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.world import World

SPEC = json.loads((Path(__file__).resolve().parents[2] / "openapi" / "openapi.json").read_text(encoding="utf-8"))
OPERATIONS = sorted(
    (path, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method == "get" and any(p["in"] == "query" for p in op.get("parameters", []))
    # The OAuth authorization endpoint must ignore parameters it does not know (RFC 6749 §3.1);
    # tests/api/test_oauth_code_flow.py holds it to that.
    and path != "/v1/auth/authorize"
)
# Whoever may call each kind of route; the first principal the route lets through must get the 422.
PRINCIPALS = ("supervisor", "admin", "partner", "secretariat", "auditor", "analyst", "anonymous")


def concrete(path: str) -> str:
    return re.sub(r"{resource}", "clients", re.sub(r"{\w+_id}", str(uuid.uuid4()), path))


# Routes whose required parameters must be given for the unknown one to be the only mistake.
REQUIRED = {"/v1/audit/checkpoints/consistency": {"first": "1", "second": "1"}}


def test_the_walk_covers_lists_and_statistics() -> None:
    paths = {p for p, _ in OPERATIONS}
    assert {"/v1/clients", "/v1/episodes", "/v1/referrals", "/v1/stats/supported-persons",
            "/v1/stats/referrals", "/v1/stats/workload"} <= paths


@pytest.mark.parametrize(("path", "names"), OPERATIONS, ids=[p for p, _ in OPERATIONS])
async def test_unknown_query_parameter_is_422(path: str, names: list[str], client: httpx.AsyncClient,
                                              world: World) -> None:
    answers: list[Any] = []
    for who in PRINCIPALS:
        headers = {} if who == "anonymous" else world.auth(who)
        response = await client.get(concrete(path), params={**REQUIRED.get(path, {}), "foo": "1"}, headers=headers)
        if response.status_code in (401, 403):
            answers.append((who, response.status_code))
            continue
        assert response.status_code == 422, f"{who}: {response.status_code} {response.text[:200]}"
        body = response.json()
        assert body["type"].endswith("/validation")
        assert [e["field"] for e in body["errors"]] == ["query.foo"]
        assert "foo" in body["detail"]
        assert all(name in body["detail"] for name in names), body["detail"]
        ja = await client.get(concrete(path), params={**REQUIRED.get(path, {}), "foo": "1"},
                              headers={**headers, "Accept-Language": "ja"})
        assert "不明なクエリパラメータ" in ja.json()["detail"]
        return
    pytest.fail(f"no principal reached {path}: {answers}")


async def test_known_parameters_still_work_and_unknown_ones_are_named(client: httpx.AsyncClient,
                                                                      world: World) -> None:
    ok = await client.get("/v1/stats/supported-persons", params={"fiscal_year_from": "2010"},
                          headers=world.auth("analyst"))
    assert ok.status_code == 200
    typo = await client.get("/v1/stats/supported-persons", params={"fiscal_year_form": "2010", "x": "1"},
                            headers=world.auth("analyst"))
    assert typo.status_code == 422
    assert [e["field"] for e in typo.json()["errors"]] == ["query.fiscal_year_form", "query.x"]
