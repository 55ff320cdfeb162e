"""Statistics releases: figures come from a dated release, not the live tables. Pulls around one
new client get the same answer; a release is replaced only after STATS_SNAPSHOT_SECONDS and at
least `threshold` changed records; a closed fiscal year's release is final."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from api.domain.fiscal import fiscal_year, today_tokyo
from tests.referral_stats_records import seed_referrals
from tests.stats_records import add_episodes, add_programme, consistent
from tests.world import World


@pytest.fixture
def snapshots_on(app: FastAPI) -> Iterator[None]:
    previous = app.state.settings
    app.state.settings = previous.model_copy(update={"stats_snapshot_seconds": 86400})
    yield
    app.state.settings = previous


async def _age_releases(db: AsyncSession) -> None:
    await db.execute(text("UPDATE stats_snapshot SET computed_at = computed_at - interval '2 days'"))


@pytest.mark.usefixtures("snapshots_on")
async def test_one_new_client_changes_no_answer(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await add_programme(db, world, "stat_a")
    started = date(fiscal_year(today_tokyo()), 4, 2)
    await add_episodes(db, world, a, "karasuyama", 9, started=started)
    auth = world.auth("analyst")

    async def pull() -> list[dict[str, object]]:
        return [(await client.get(f"/v1/stats/{name}", headers=auth)).json()
                for name in ("supported-persons", "diagnosis-groups", "age-bands")]

    before = await pull()
    assert before[0]["fiscal_years"][0]["final"] is False  # type: ignore[index]
    assert consistent(before[0]["total"]["figures"][0], 9)  # type: ignore[index]
    await add_episodes(db, world, a, "karasuyama", 1, started=started, diagnosis="mood_bipolar")
    assert await pull() == before  # within the day: the same release
    await _age_releases(db)
    assert await pull() == before  # a day later, one change is too few to publish: still the same
    await add_episodes(db, world, a, "setagaya", 5, started=started, diagnosis="mood_bipolar")
    assert await pull() == before  # the checked release stands another day
    await _age_releases(db)
    after = await pull()
    assert after != before
    assert consistent(after[0]["total"]["figures"][0], 15)  # type: ignore[index]
    assert after[0]["as_of"] == today_tokyo().isoformat()


@pytest.mark.usefixtures("snapshots_on")
async def test_a_closed_year_is_final_and_every_read_is_audited(client: httpx.AsyncClient, db: AsyncSession,
                                                                world: World) -> None:
    await seed_referrals(db, world, small_cell=False)
    params = {"fiscal_year": "2010"}
    first = await client.get("/v1/stats/referrals", params=params, headers=world.auth("analyst"))
    assert consistent(first.json()["total"]["total"], 30)
    assert first.json()["fiscal_year"]["final"] is True
    await seed_referrals(db, world, small_cell=False)  # 30 late entries for FY2010
    await _age_releases(db)
    second = await client.get("/v1/stats/referrals", params=params, headers=world.auth("secretariat"))
    assert second.json() == first.json()  # FY2010 closed before its release: final
    audited = (await db.execute(select(AuditEvent.actor_id, AuditEvent.detail).where(
        AuditEvent.request_id == second.headers["x-request-id"]))).all()
    assert [(a, d.get("fiscal_year")) for a, d in audited] == [(world.users["secretariat"], 2010)]
    # Refused callers never reach a release.
    assert (await client.get("/v1/stats/referrals", params=params,
                             headers=world.auth("caseworker"))).status_code == 403
