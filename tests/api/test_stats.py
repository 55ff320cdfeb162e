"""Dashboard statistics on data made here, with the expected figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Activity, Episode, Programme
from api.services.stats import workload_query
from tests.scenario import make_client
from tests.world import World


async def _programme(db: AsyncSession, world: World, code: str) -> Programme:
    programme = Programme(code=code, name_ja=code, name_en=code, operating_agency_ids=[world.agencies["mota"]])
    db.add(programme)
    await db.flush()
    return programme


async def _episodes(db: AsyncSession, world: World, programme: Programme, branch: str, n: int, *,
                    started: date = date(2010, 5, 1), ended: date | None = None, reason: str | None = None,
                    born: date = date(1970, 1, 1), diagnosis: str = "schizophrenia") -> list[Episode]:
    out = []
    for _ in range(n):
        client = make_client(branch, "統計 太郎", "トウケイ タロウ", born=born)
        client.diagnosis_group = diagnosis
        db.add(client)
        await db.flush()
        episode = Episode(client_id=client.id, programme_id=programme.id, branch_code=branch,
                          operating_agency_id=world.agencies["mota"], lead_worker_id=world.users["caseworker"],
                          status="finished" if ended else "active", proposed_on=started, started_on=started,
                          planned_end=date(2011, 4, 30), ended_on=ended, closure_reason=reason)
        db.add(episode)
        out.append(episode)
    await db.flush()
    return out


def _figures(row: dict[str, Any]) -> list[int | None]:
    return [f["value"] for f in row["figures"]]


def _row(body: dict[str, Any], programme: str | None, branch: str | None) -> dict[str, Any]:
    return next(r for r in body["rows"] if (r["programme_code"], r["branch_code"]) == (programme, branch))


async def test_supported_persons_suppress_small_cells_and_their_complements(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await _programme(db, world, "stat_a")
    await _episodes(db, world, a, "karasuyama", 7)
    await _episodes(db, world, a, "setagaya", 6)
    await _episodes(db, world, a, "kitazawa", 1)
    response = await client.get("/v1/stats/supported-persons", headers=world.auth("analyst"),
                                params={"fiscal_year_from": 2010})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fiscal_years"] == [{"fiscal_year": 2010, "label_ja": "平成22年度", "label_en": "FY2010 (Heisei 22)"}]
    assert body["threshold"] == 5
    # Kitazawa's 1 is small; Setagaya's 6 (the smallest other count in the branch row) is hidden
    # with it, so 14 − 7 cannot give either back. Karasuyama and the totals stay visible.
    assert _figures(_row(body, "stat_a", "karasuyama")) == [7]
    kitazawa = _row(body, "stat_a", "kitazawa")["figures"][0]
    setagaya = _row(body, "stat_a", "setagaya")["figures"][0]
    assert kitazawa == {"value": None, "suppressed": True, "reason": "primary"}
    assert setagaya == {"value": None, "suppressed": True, "reason": "complementary"}
    assert _figures(_row(body, "stat_a", None)) == [14]
    assert _figures(_row(body, "stat_a", "tamagawa")) == [0]  # zero describes nobody
    assert _figures(body["total"]) == [14]
    # A year without episodes under way: every figure zero.
    earlier = (await client.get("/v1/stats/supported-persons", headers=world.auth("analyst"),
                                params={"fiscal_year_from": 2008, "fiscal_year_to": 2009})).json()
    assert _figures(earlier["total"]) == [0, 0]
    assert [y["label_ja"] for y in earlier["fiscal_years"]] == ["平成20年度", "平成21年度"]


async def test_filters_select_from_the_same_protected_figures(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await _programme(db, world, "stat_a")
    b = await _programme(db, world, "stat_b")
    await _episodes(db, world, a, "karasuyama", 9)
    await _episodes(db, world, b, "karasuyama", 2)
    await _episodes(db, world, b, "setagaya", 8)
    await _episodes(db, world, a, "setagaya", 8)
    auth = world.auth("supervisor")
    whole = (await client.get("/v1/stats/supported-persons", headers=auth, params={"fiscal_year_from": 2010})).json()
    # Differencing "all programmes in Karasuyama" (11) and "programme A in Karasuyama" (9) would give
    # B's 2: programme B's Karasuyama cell is hidden, and so is A's, as its complement in the column.
    only_a = (await client.get("/v1/stats/supported-persons", headers=auth,
                               params={"fiscal_year_from": 2010, "programme_code": "stat_a"})).json()
    only_k = (await client.get("/v1/stats/supported-persons", headers=auth,
                               params={"fiscal_year_from": 2010, "branch_code": "karasuyama"})).json()
    published: dict[tuple[str | None, str | None], int | None] = {}
    for body in (whole, only_a, only_k):
        for r in [*body["rows"], body["total"]]:
            key = (r["programme_code"], r["branch_code"])
            value = r["figures"][0]["value"]
            assert published.setdefault(key, value) == value  # every answer agrees with every other
    assert published[("stat_b", "karasuyama")] is None
    assert published[(None, "karasuyama")] == 11
    assert published[("stat_a", "karasuyama")] is None
    known = {k: v for k, v in published.items() if v is not None}
    assert known[(None, None)] == 27
    # Nothing pins B-in-Karasuyama: both cells of Karasuyama's column and of B's row that would
    # give it by subtraction are hidden.
    assert published[("stat_b", "setagaya")] is None or published[("stat_a", "setagaya")] is None


async def test_age_bands_durations_and_closure_reasons(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await _programme(db, world, "stat_a")
    # Ages at the start on 1 May 2010: born 1975-06-01 → 34; born 1960-05-01 → 50 that day.
    await _episodes(db, world, a, "karasuyama", 6, born=date(1975, 6, 1))
    await _episodes(db, world, a, "karasuyama", 6, born=date(1960, 5, 1))
    # Closed in FY2010: 6 after ≤6 months (1 May → 1 Nov), 7 after ≤1 year, reason goal / moved.
    await _episodes(db, world, a, "karasuyama", 6, started=date(2010, 5, 1), ended=date(2010, 11, 1),
                    reason="goal_achieved", born=date(1990, 1, 1))
    await _episodes(db, world, a, "karasuyama", 7, started=date(2009, 12, 1), ended=date(2010, 11, 30),
                    reason="moved_away", born=date(1990, 1, 1))
    auth = world.auth("secretariat")
    params = {"fiscal_year_from": 2010}
    ages = (await client.get("/v1/stats/age-bands", headers=auth, params=params)).json()
    by_band = {r["category"]: _figures(r)[0] for r in ages["rows"]}
    assert by_band["30-39"] == 6 and by_band["50-59"] == 6 and by_band["20-29"] == 6  # noqa: PT018
    assert by_band["80+"] == 0 and _figures(ages["total"]) == [18]  # noqa: PT018
    durations = (await client.get("/v1/stats/support-durations", headers=auth, params=params)).json()
    assert {r["category"]: _figures(r)[0] for r in durations["rows"]} == {
        "up_to_6_months": 6, "up_to_1_year": 7, "up_to_2_years": 0, "longer": 0}
    reasons = (await client.get("/v1/stats/closure-reasons", headers=auth, params=params)).json()
    by_reason = {r["category"]: _figures(r)[0] for r in reasons["rows"]}
    assert by_reason["goal_achieved"] == 6 and by_reason["moved_away"] == 7  # noqa: PT018
    assert _figures(reasons["total"]) == _figures(durations["total"]) == [13]


async def test_linked_tables_hide_their_shared_totals_alike(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await _programme(db, world, "stat_a")
    await _episodes(db, world, a, "karasuyama", 3, ended=date(2010, 9, 1), reason="goal_achieved")
    await _episodes(db, world, a, "setagaya", 9, ended=date(2010, 9, 1), reason="goal_achieved")
    auth = world.auth("analyst")
    params = {"fiscal_year_from": 2010, "branch_code": "karasuyama"}
    for name in ("closure-reasons", "support-durations"):
        body = (await client.get(f"/v1/stats/{name}", headers=auth, params=params)).json()
        # Karasuyama's 3 closures are hidden as a total in both tables, never shown by one of them.
        assert body["total"]["figures"][0]["value"] is None
        assert all(f["value"] in (0, None) for r in body["rows"] for f in r["figures"])


async def test_episode_status_counts_overdue(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await _programme(db, world, "stat_a")
    late = await _episodes(db, world, a, "karasuyama", 6)  # planned end 2011-04-30: long past
    for e in late:
        e.started_on = date(2024, 4, 1)
    await db.flush()
    body = (await client.get("/v1/stats/episode-status", headers=world.auth("analyst"))).json()
    assert {r["category"]: _figures(r)[0] for r in body["rows"]} == {"on_schedule": 0, "overdue": 6}


async def test_workload_caseload_and_capacity(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await _programme(db, world, "stat_a")
    episodes = await _episodes(db, world, a, "karasuyama", 6)
    worker = world.users["mental_care_worker"]
    # Two working days in FY2010: 4 visits + 1 phone call on one, 2 visits on the other.
    kinds = [("2010-07-21", "home_visit")] * 3 + [("2010-07-21", "accompaniment"), ("2010-07-21", "phone_call"),
                                                  ("2010-07-22", "home_visit"), ("2010-07-22", "trial_stay")]
    for day, kind in kinds:
        db.add(Activity(client_id=episodes[0].client_id, episode_id=episodes[0].id, kind=kind,
                        occurred_at=datetime.fromisoformat(f"{day}T01:00:00+00:00"), performer_id=worker))
    # 23:30 on 31 March in Tokyo is still FY2009: not counted.
    db.add(Activity(client_id=episodes[0].client_id, episode_id=episodes[0].id, kind="home_visit",
                    occurred_at=datetime(2010, 3, 31, 14, 30, tzinfo=UTC), performer_id=worker))
    await db.flush()
    body = (await client.get("/v1/stats/workload", headers=world.auth("analyst"),
                             params={"fiscal_year_from": 2010})).json()
    rows = {w["name"]: w for w in body["workers"]}
    mcw = rows["mental_care_worker"]
    assert (mcw["visits"], mcw["working_days"], mcw["visits_per_working_day"]) == (6, 2, 3.0)
    assert mcw["capacity_use"] == 0.6
    assert rows["caseworker"]["active_caseload"] == {"value": 6, "suppressed": False, "reason": None}
    assert body["total_active_caseload"]["value"] == 6


async def test_statistics_refuse_other_roles_and_partial_filters(client: httpx.AsyncClient, world: World) -> None:
    for name in ("caseworker", "partner", "auditor", "admin"):
        response = await client.get("/v1/stats/supported-persons", headers=world.auth(name))
        assert response.status_code == 403
    for params in ({"programme_code": "no-such"}, {"branch_code": "kara"}, {"fiscal_year_from": 2006},
                   {"fiscal_year_from": 2011, "fiscal_year_to": 2010}):
        response = await client.get("/v1/stats/age-bands", headers=world.auth("analyst"), params=params)
        assert response.status_code == 422, params


async def test_dashboard_activity_query_never_scans_activity(db: AsyncSession) -> None:
    compiled = workload_query(date(2010, 4, 1), date(2011, 3, 31)).compile(compile_kwargs={"literal_binds": True})
    plan = "\n".join((await db.execute(text(f"EXPLAIN {compiled}"))).scalars().all())
    assert "Seq Scan on activity" not in plan
    assert "activity " not in plan.replace("worker_day_load", "")


def test_summary_counts_the_same_visit_kinds_as_the_worker_day() -> None:
    from pathlib import Path

    from api.services.work import VISIT_KINDS

    migration = next(Path("migrations/versions").glob("*change_feed_log*")).read_text()
    assert f'VISIT_KINDS = "{", ".join(repr(k) for k in sorted(VISIT_KINDS))}"' in migration


