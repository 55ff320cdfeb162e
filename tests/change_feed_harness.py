"""The change-feed tests' harness (tests/api/test_changes*.py): an app on the real database whose
committed clients are removed afterwards, and a reader that follows the feed to its end."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.main import create_app


@pytest.fixture
async def live(settings: Settings, engine: AsyncEngine) -> AsyncIterator[tuple[httpx.AsyncClient, list[uuid.UUID]]]:
    """An app on the real database, and a list to put the ids of clients the test commits."""
    app = create_app(settings)
    created: list[uuid.UUID] = []
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield http, created
    finally:
        await app.state.engine.dispose()
        async with engine.begin() as conn:
            ids = {"ids": created}
            for table in ("care_team_member", "client"):
                key = "id" if table == "client" else "client_id"
                await conn.execute(text(f"DELETE FROM {table} WHERE {key} = ANY(:ids)"), ids)
            await conn.execute(text("DELETE FROM change_log WHERE client_id = ANY(:ids)"), ids)


async def _drain(http: httpx.AsyncClient, auth: dict[str, str], cursor: str | None = None
                 ) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    while True:
        page = await http.get("/v1/changes", headers=auth, params={"cursor": cursor} if cursor else {})
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items, cursor
