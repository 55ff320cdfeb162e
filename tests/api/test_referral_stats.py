"""Referral statistics against numbers computed by hand: every figure within the noise bound,
small ones hidden."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.referral_stats_records import seed_referrals
from tests.stats_records import consistent
from tests.world import World


async def _fy2010(client: httpx.AsyncClient, world: World) -> dict[str, object]:
    response = await client.get("/v1/stats/referrals", params={"fiscal_year": "2010"}, headers=world.auth("analyst"))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_referrals_by_purpose_and_status_with_median_days(client: httpx.AsyncClient, db: AsyncSession,
                                                                world: World) -> None:
    await seed_referrals(db, world, small_cell=False)
    body = await _fy2010(client, world)
    assert body["fiscal_year"]["label_ja"] == "平成22年度"
    rows = {r["purpose"]: r for r in body["rows"]}
    gh, op = rows["group_home"], rows["outpatient"]
    truth = {("group_home", "accepted"): 6, ("group_home", "completed"): 7, ("group_home", "requested"): 0,
             ("outpatient", "accepted"): 8, ("outpatient", "completed"): 9}
    for (purpose, status), true in truth.items():
        assert consistent(rows[purpose]["by_status"][status], true), (purpose, status)
    assert gh["by_status"]["requested"]["value"] is None  # nobody: small, like any count up to the threshold
    assert consistent(gh["total"], 13) and consistent(op["total"], 17)  # noqa: PT018
    assert consistent(body["total"]["total"], 30)
    assert body["noise_bound"] == 2
    assert gh["median_days_to_acceptance"] == 7.0
    assert op["median_days_to_acceptance"] is None  # no acceptance dates recorded for them


async def test_a_small_cell_is_never_shown(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    await seed_referrals(db, world, small_cell=True)
    body = await _fy2010(client, world)
    rows = {r["purpose"]: r for r in body["rows"]}
    # Two outpatient referrals still waiting: hidden, never a 1 or a 2.
    for figure in (rows["outpatient"]["by_status"]["requested"], rows["outpatient"]["overdue"]):
        assert consistent(figure, 2)
        assert figure["value"] is None


async def test_referral_stats_are_for_statistics_readers_only(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/v1/stats/referrals", headers=world.auth("caseworker"))).status_code == 403
    assert (await client.get("/v1/stats/referrals", params={"fiscal_year": "2006"},
                             headers=world.auth("analyst"))).status_code == 422
