"""Referral statistics against numbers computed by hand, small cells suppressed."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.test_referral_stats_data import seed_referrals
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
    assert [gh["by_status"][s]["value"] for s in ("accepted", "completed", "requested")] == [6, 7, 0]
    assert [op["by_status"][s]["value"] for s in ("accepted", "completed")] == [8, 9]
    assert (gh["total"]["value"], op["total"]["value"], body["total"]["total"]["value"]) == (13, 17, 30)
    assert gh["median_days_to_acceptance"] == 7.0
    assert op["median_days_to_acceptance"] is None  # no acceptance dates recorded for them


async def test_a_small_cell_cannot_be_recovered_from_any_total(client: httpx.AsyncClient, db: AsyncSession,
                                                               world: World) -> None:
    await seed_referrals(db, world, small_cell=True)
    body = await _fy2010(client, world)
    rows = {r["purpose"]: r for r in body["rows"]}
    assert rows["outpatient"]["by_status"]["requested"] == {"value": None, "suppressed": True, "reason": "primary"}
    assert rows["outpatient"]["overdue"]["suppressed"] is True
    statuses: list[str] = body["statuses"]
    lines = [[*row["by_status"].values(), row["total"]] for row in [*rows.values(), body["total"]]]
    lines += [[*(r["by_status"][s] for r in rows.values()), body["total"]["by_status"][s]]
              for s in statuses]
    lines.append([*(r["total"] for r in rows.values()), body["total"]["total"]])
    for line in lines:
        hidden = sum(1 for cell in line if cell["suppressed"])
        assert hidden != 1, f"one hidden figure in a line with its total is recoverable: {line}"


async def test_referral_stats_are_for_statistics_readers_only(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.get("/v1/stats/referrals", headers=world.auth("caseworker"))).status_code == 403
    assert (await client.get("/v1/stats/referrals", params={"fiscal_year": "2006"},
                             headers=world.auth("analyst"))).status_code == 422
