"""The contract every endpoint keeps: problem documents, request ids, limits, health, commit point."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from api.config import Settings
from api.deps import UnitDep
from api.main import create_app
from api.problems import PROBLEM_MEDIA_TYPE


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


async def test_readyz_is_503_problem_when_database_unreachable(settings: Settings) -> None:
    broken = create_app(settings.model_copy(update={"database_url": "postgresql+asyncpg://x@127.0.0.1:9/x"}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=broken), base_url="http://t") as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"].endswith("/unavailable")


async def test_unknown_route_is_404_problem_with_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing-here", headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["x-request-id"] == "abc-123"
    body = response.json()
    assert body["status"] == 404
    assert body["request_id"] == "abc-123"
    assert body["type"].endswith("/not-found")


async def test_generated_request_id_when_header_is_unsafe(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "evil\nid with spaces"})
    rid = response.headers["x-request-id"]
    assert rid != "evil\nid with spaces"
    assert len(rid) == 32


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/healthz")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_validation_error_lists_fields_without_echoing_input(client: httpx.AsyncClient) -> None:
    # The token endpoint answers unreadable requests with RFC 6749's 400 invalid_request.
    response = await client.post("/v1/auth/token", data={"grant_type": "t" * 65, "password": "s3cret-value"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["errors"][0]["field"] == "body.grant_type"
    assert "s3cret-value" not in response.text


async def test_japanese_titles_on_request(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nothing", headers={"Accept-Language": "ja,en;q=0.5"})
    assert response.json()["title"] == "見つかりません"


async def test_declared_oversized_body_is_413(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.post(
        "/v1/auth/token", content=b"x" * (settings.max_body_bytes + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_chunked_oversized_body_is_413(client: httpx.AsyncClient, settings: Settings) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"y" * 65536

    response = await client.post("/v1/auth/token", content=chunks(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


@pytest.fixture
def side_app(settings: Settings) -> FastAPI:
    """A second app on the real (not rolled-back) database, with routes that only tests add."""
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    from api.routing import CommitRoute

    async def commit_fails(unit: UnitDep) -> dict[str, str]:
        # A deferred unique constraint fails only at COMMIT: the endpoint itself returns fine.
        await unit.session.execute(text("CREATE TEMP TABLE IF NOT EXISTS t_commit (v int UNIQUE DEFERRABLE "
                                        "INITIALLY DEFERRED) ON COMMIT DROP"))
        await unit.session.execute(text("INSERT INTO t_commit VALUES (1), (1)"))
        return {"status": "written"}

    app.router.routes.append(CommitRoute("/commit-fails", commit_fails, methods=["POST"]))
    return app


async def test_unhandled_error_is_500_problem_without_trace(side_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=side_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert json.loads(response.text)["request_id"] == response.headers["x-request-id"]


async def test_failed_commit_never_answers_2xx(side_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=side_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/commit-fails")
    assert response.status_code >= 400
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    await side_app.state.engine.dispose()


async def test_docs_are_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert (await client.get("/docs/static/swagger-ui-bundle.js")).status_code == 200
    assert (await client.get("/docs/static/swagger-ui.css")).status_code == 200
