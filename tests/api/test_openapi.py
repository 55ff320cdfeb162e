"""The committed spec is what the app serves, and every operation is documented for generators."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


async def test_committed_spec_matches_the_app(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    committed = json.loads(SPEC.read_text(encoding="utf-8"))
    assert served == committed, "openapi/openapi.json is stale: run `make openapi` and commit it"


async def test_every_operation_has_id_summary_tag_and_problem_responses(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    seen_ids: set[str] = set()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            assert op.get("operationId"), where
            assert op["operationId"] not in seen_ids, f"duplicate operationId at {where}"
            seen_ids.add(op["operationId"])
            assert op.get("summary"), f"{where} has no summary"
            assert op.get("tags"), f"{where} has no tag"
            errors = [code for code in op["responses"] if code.startswith(("4", "5"))]
            assert "500" in errors, f"{where} documents no error responses"
            for code in errors:
                content = op["responses"][code]["content"]
                assert "application/problem+json" in content, f"{where} {code} is not a problem document"


async def test_every_string_input_has_a_max_length(client: httpx.AsyncClient) -> None:
    """Every string a caller can send (bodies, forms, parameters) is bounded."""
    spec = (await client.get("/openapi.json")).json()
    components = spec["components"]["schemas"]
    unbounded: list[str] = []
    visited: set[str] = set()

    def walk(schema: object, where: str) -> None:
        if isinstance(schema, dict):
            ref = schema.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in visited:
                    visited.add(name)
                    walk(components[name], name)
                return
            bounded = any(k in schema for k in ("maxLength", "enum", "const", "format"))
            if schema.get("type") == "string" and not bounded:
                unbounded.append(where)
            for key, value in schema.items():
                walk(value, f"{where}.{key}")
        elif isinstance(schema, list):
            for i, value in enumerate(schema):
                walk(value, f"{where}[{i}]")

    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                walk(param.get("schema", {}), f"{where} {param['name']}")
            for media in op.get("requestBody", {}).get("content", {}).values():
                walk(media.get("schema", {}), f"{where} body")
    assert not unbounded, f"string inputs without maxLength: {unbounded}"
