"""Dashboard statistics on data made here, with the expected figures worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Activity, Episode
from api.services.stats import workload_query
from tests.stats_records import add_episodes, add_programme, consistent
from tests.world import World


def _figures(row: dict[str, Any]) -> list[int | None]:
    return [f["value"] for f in row["figures"]]


def _row(body: dict[str, Any], programme: str | None, branch: str | None) -> dict[str, Any]:
    return next(r for r in body["rows"] if (r["programme_code"], r["branch_code"]) == (programme, branch))


async def test_supported_persons_are_perturbed_within_the_bound_and_small_ones_hidden(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await add_programme(db, world, "stat_a")
    await add_episodes(db, world, a, "karasuyama", 7)
    await add_episodes(db, world, a, "setagaya", 6)
    await add_episodes(db, world, a, "kitazawa", 1)
    response = await client.get("/v1/stats/supported-persons", headers=world.auth("analyst"),
                                params={"fiscal_year_from": 2010})
    assert response.status_code == 200, response.text
    body = response.json()
    label = body["fiscal_years"][0]
    assert (label["fiscal_year"], label["label_ja"], label["label_en"]) == (2010, "平成22年度", "FY2010 (Heisei 22)")
    assert label["final"] is True  # FY2010 closed long ago: its figures never change again
    assert label["as_of"] == body["as_of"]
    assert (body["threshold"], body["noise_bound"]) == (5, 2)
    truth = {("stat_a", "karasuyama"): 7, ("stat_a", "setagaya"): 6, ("stat_a", "kitazawa"): 1, ("stat_a", None): 14,
             (None, "karasuyama"): 7, (None, "setagaya"): 6, (None, "kitazawa"): 1, ("stat_a", "tamagawa"): 0}
    for (programme, branch), true in truth.items():
        assert consistent(_row(body, programme, branch)["figures"][0], true), (programme, branch)
    # Kitazawa's single person is never shown, nor is Tamagawa's nobody: both are just "small".
    assert _figures(_row(body, "stat_a", "kitazawa")) == _figures(_row(body, "stat_a", "tamagawa")) == [None]
    assert consistent(body["total"]["figures"][0], 14)
    # Cells counting the same people get the same figure, wherever they appear.
    assert _figures(_row(body, "stat_a", "karasuyama")) == _figures(_row(body, None, "karasuyama"))
    # A year without episodes under way: every figure small.
    earlier = (await client.get("/v1/stats/supported-persons", headers=world.auth("analyst"),
                                params={"fiscal_year_from": 2008, "fiscal_year_to": 2009})).json()
    assert _figures(earlier["total"]) == [None, None]
    assert [y["label_ja"] for y in earlier["fiscal_years"]] == ["平成20年度", "平成21年度"]


async def test_filters_select_from_the_same_published_figures(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await add_programme(db, world, "stat_a")
    b = await add_programme(db, world, "stat_b")
    await add_episodes(db, world, a, "karasuyama", 9)
    await add_episodes(db, world, b, "karasuyama", 2)
    await add_episodes(db, world, b, "setagaya", 8)
    await add_episodes(db, world, a, "setagaya", 8)
    auth = world.auth("supervisor")
    whole = (await client.get("/v1/stats/supported-persons", headers=auth, params={"fiscal_year_from": 2010})).json()
    only_a = (await client.get("/v1/stats/supported-persons", headers=auth,
                               params={"fiscal_year_from": 2010, "programme_code": "stat_a"})).json()
    only_k = (await client.get("/v1/stats/diagnosis-groups", headers=world.auth("analyst"),
                               params={"fiscal_year_from": 2010, "branch_code": "karasuyama"})).json()
    published: dict[tuple[str | None, str | None], int | None] = {}
    for body in (whole, only_a):
        for r in [*body["rows"], body["total"]]:
            key = (r["programme_code"], r["branch_code"])
            value = r["figures"][0]["value"]
            assert published.setdefault(key, value) == value  # every answer agrees with every other
    # The diagnosis-groups table of Karasuyama is the same release: its total is the same figure.
    assert only_k["total"]["figures"][0]["value"] == published[(None, "karasuyama")]
    truth = {("stat_a", "karasuyama"): 9, ("stat_b", "karasuyama"): 2, ("stat_b", "setagaya"): 8,
             ("stat_a", "setagaya"): 8, (None, "karasuyama"): 11, ("stat_a", None): 17, ("stat_b", None): 10,
             (None, None): 27}
    for key, true in truth.items():
        figure = next(r for r in [*whole["rows"], whole["total"]]
                      if (r["programme_code"], r["branch_code"]) == key)["figures"][0]
        assert consistent(figure, true), key
    # Differencing "all programmes in Karasuyama" and "programme A in Karasuyama" gives B's 2 only
    # up to the noise of two figures (±4): never a value an analyst can tell from 0, 1, ... 6.
    assert published[("stat_b", "karasuyama")] is None


async def test_age_bands_durations_and_closure_reasons(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await add_programme(db, world, "stat_a")
    # Ages at the start on 1 May 2010: born 1975-06-01 → 34; born 1960-05-01 → 50 that day.
    await add_episodes(db, world, a, "karasuyama", 6, born=date(1975, 6, 1))
    await add_episodes(db, world, a, "karasuyama", 6, born=date(1960, 5, 1))
    # Closed in FY2010: 6 after ≤6 months (1 May → 1 Nov), 7 after ≤1 year, reason goal / moved.
    await add_episodes(db, world, a, "karasuyama", 6, started=date(2010, 5, 1), ended=date(2010, 11, 1),
                    reason="goal_achieved", born=date(1990, 1, 1))
    await add_episodes(db, world, a, "karasuyama", 7, started=date(2009, 12, 1), ended=date(2010, 11, 30),
                    reason="moved_away", born=date(1990, 1, 1))
    auth = world.auth("secretariat")
    params = {"fiscal_year_from": 2010}
    ages = (await client.get("/v1/stats/age-bands", headers=auth, params=params)).json()
    by_band = {r["category"]: r["figures"][0] for r in ages["rows"]}
    for band, true in {"30-39": 6, "50-59": 6, "20-29": 6, "80+": 0, "40-49": 0}.items():
        assert consistent(by_band[band], true), band
    assert by_band["80+"]["value"] is None
    assert consistent(ages["total"]["figures"][0], 18)
    durations = (await client.get("/v1/stats/support-durations", headers=auth, params=params)).json()
    for r in durations["rows"]:
        true = {"up_to_6_months": 6, "up_to_1_year": 7}.get(r["category"], 0)
        assert consistent(r["figures"][0], true), r["category"]
    reasons = (await client.get("/v1/stats/closure-reasons", headers=auth, params=params)).json()
    by_reason = {r["category"]: r["figures"][0] for r in reasons["rows"]}
    assert consistent(by_reason["goal_achieved"], 6) and consistent(by_reason["moved_away"], 7)  # noqa: PT018
    # Both tables count the same 13 closed episodes: their totals are one cell, one figure.
    assert _figures(reasons["total"]) == _figures(durations["total"])
    assert consistent(reasons["total"]["figures"][0], 13)


async def test_episode_status_counts_overdue(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await add_programme(db, world, "stat_a")
    late = await add_episodes(db, world, a, "karasuyama", 9)  # planned end 2011-04-30: long past
    for e in late:
        e.started_on = date(2024, 4, 1)
    await db.flush()
    body = (await client.get("/v1/stats/episode-status", headers=world.auth("analyst"))).json()
    by_state = {r["category"]: r["figures"][0] for r in body["rows"]}
    assert by_state["on_schedule"]["value"] is None
    assert consistent(by_state["overdue"], 9)
    assert body["fiscal_years"][0]["final"] is False  # the current year: a release, not final


async def _visits(db: AsyncSession, world: World, episode: Episode) -> None:
    worker = world.users["mental_care_worker"]
    # Two working days in FY2010: 4 visits + 1 phone call on one, 2 visits on the other.
    kinds = [("2010-07-21", "home_visit")] * 3 + [("2010-07-21", "accompaniment"), ("2010-07-21", "phone_call"),
                                                  ("2010-07-22", "home_visit"), ("2010-07-22", "trial_stay")]
    for day, kind in kinds:
        db.add(Activity(client_id=episode.client_id, episode_id=episode.id, kind=kind,
                        occurred_at=datetime.fromisoformat(f"{day}T01:00:00+00:00"), performer_id=worker))
    # 23:30 on 31 March in Tokyo is still FY2009: not counted.
    db.add(Activity(client_id=episode.client_id, episode_id=episode.id, kind="home_visit",
                    occurred_at=datetime(2010, 3, 31, 14, 30, tzinfo=UTC), performer_id=worker))
    await db.flush()


async def test_workload_per_worker_only_for_supervisors_of_their_branch(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    a = await add_programme(db, world, "stat_a")
    episodes = await add_episodes(db, world, a, "karasuyama", 8)
    await _visits(db, world, episodes[0])
    db.add(Activity(client_id=episodes[1].client_id, episode_id=episodes[1].id, kind="home_visit",
                    occurred_at=datetime(2010, 8, 2, 1, 0, tzinfo=UTC), performer_id=world.users["caseworker2"]))
    await db.flush()
    params = {"fiscal_year_from": 2010}
    # The analyst and the secretariat get branch offices, no names.
    for role in ("analyst", "secretariat"):
        body = (await client.get("/v1/stats/workload", headers=world.auth(role), params=params)).json()
        assert body["workers"] == [], role
        karasuyama = next(b for b in body["branches"] if b["branch_code"] == "karasuyama")
        assert consistent(karasuyama["active_caseload"], 8)
        assert consistent(body["total_active_caseload"], 8)
    # The mental-care worker and the caseworker work for Karasuyama in this world.
    assert (karasuyama["visits"], karasuyama["working_days"], karasuyama["visits_per_working_day"]) == (6, 2, 3.0)
    assert karasuyama["capacity_use"] == 0.6
    # Karasuyama's supervisor sees Karasuyama's workers by name.
    body = (await client.get("/v1/stats/workload", headers=world.auth("supervisor"), params=params)).json()
    rows = {w["name"]: w for w in body["workers"]}
    mcw = rows["mental_care_worker"]
    assert (mcw["visits"], mcw["working_days"], mcw["visits_per_working_day"], mcw["capacity_use"]) == (6, 2, 3.0, 0.6)
    assert consistent(rows["caseworker"]["active_caseload"], 8)
    assert all("karasuyama" in w["branch_codes"] for w in body["workers"])
    assert "caseworker2" not in rows  # Setagaya's worker: not this supervisor's staff


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

    from api.services.goals_and_activities import VISIT_KINDS

    migration = next(Path("migrations/versions").glob("*change_feed_log*")).read_text()
    assert f'VISIT_KINDS = "{", ".join(repr(k) for k in sorted(VISIT_KINDS))}"' in migration


