"""Referral statistics against numbers computed by hand, small cells suppressed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Referral, ReferralStatusChange
from api.domain.fiscal import TOKYO
from tests.scenario import build_scenario
from tests.world import World

SENT = datetime(2010, 8, 2, 10, tzinfo=TOKYO)


def _referral(world: World, client_id: object, purpose: str, status: str, **kw: object) -> Referral:
    return Referral(from_agency_id=world.agencies["karasuyama_seikatsu"], requester_id=world.users["caseworker"],
                    requester_kind="user", to_agency_id=world.agencies["grouphome"], client_id=client_id,
                    purpose=purpose, reason="x", status=status, sent_at=SENT, **kw)


async def _seed(db: AsyncSession, world: World, small_cell: bool) -> None:
    s = await build_scenario(db, world)
    counts = {("group_home", "accepted"): 6, ("group_home", "completed"): 7, ("outpatient", "accepted"): 8,
              ("outpatient", "completed"): 9}
    referrals = [_referral(world, s.client_in.id, p, st) for (p, st), n in counts.items() for _ in range(n)]
    if small_cell:
        referrals += [_referral(world, s.client_in.id, "outpatient", "requested", due_on=date(2010, 8, 20))
                      for _ in range(2)]
    next_year = _referral(world, s.client_in.id, "group_home", "completed")
    next_year.sent_at = SENT + timedelta(days=365)  # FY2011: not counted in FY2010
    db.add_all([*referrals, next_year])
    await db.flush()
    accepted = [r for r in referrals if r.purpose == "group_home" and r.status == "accepted"]
    for days, referral in zip((2, 4, 6, 8, 10, 12), accepted, strict=True):  # median 7 days
        db.add(ReferralStatusChange(referral_id=referral.id, action="accept", from_status="received",
                                    to_status="accepted", at=SENT + timedelta(days=days)))
    await db.flush()


async def _fy2010(client: httpx.AsyncClient, world: World) -> dict[str, object]:
    response = await client.get("/v1/stats/referrals", params={"fiscal_year": "2010"}, headers=world.auth("analyst"))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_referrals_by_purpose_and_status_with_median_days(client: httpx.AsyncClient, db: AsyncSession,
                                                                world: World) -> None:
    await _seed(db, world, small_cell=False)
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
    await _seed(db, world, small_cell=True)
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
