"""Statistics snapshots: a second reader within STATS_SNAPSHOT_SECONDS gets the stored answer
(still authorised and audited), and a fresh one is computed after it expires."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from tests.test_referral_stats_data import seed_referrals
from tests.world import World


@pytest.fixture
def snapshots_on(app: FastAPI) -> Iterator[None]:
    previous = app.state.settings
    app.state.settings = previous.model_copy(update={"stats_snapshot_seconds": 60})
    yield
    app.state.settings = previous


@pytest.mark.usefixtures("snapshots_on")
async def test_second_read_within_the_window_is_the_snapshot(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    await seed_referrals(db, world, small_cell=False)
    params = {"fiscal_year": "2010"}
    first = await client.get("/v1/stats/referrals", params=params, headers=world.auth("analyst"))
    assert first.json()["total"]["total"]["value"] == 30
    await seed_referrals(db, world, small_cell=False)  # 30 more referrals in FY2010
    second = await client.get("/v1/stats/referrals", params=params, headers=world.auth("secretariat"))
    assert second.json() == first.json()
    audited = (await db.execute(select(AuditEvent.actor_id, AuditEvent.detail).where(
        AuditEvent.request_id == second.headers["x-request-id"]))).all()
    assert [(a, d.get("snapshot")) for a, d in audited] == [(world.users["secretariat"], True)]
    # Refused callers never reach a snapshot.
    assert (await client.get("/v1/stats/referrals", params=params,
                             headers=world.auth("caseworker"))).status_code == 403
    await db.execute(text("UPDATE stats_snapshot SET computed_at = computed_at - interval '2 minutes'"))
    third = await client.get("/v1/stats/referrals", params=params, headers=world.auth("analyst"))
    assert third.json()["total"]["total"]["value"] == 60
