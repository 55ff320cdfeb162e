"""Workers' schedules and capacity (issue 18, item 1), through the API."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.scenario import build_scenario
from tests.world import World

MONDAY = date(2030, 6, 3)  # a Monday; weekday n is MONDAY + (n - 1) days


async def _pattern(client: httpx.AsyncClient, world: World, worker: str, branch: str, weekdays: list[int],
                   **extra: object) -> httpx.Response:
    return await client.post(f"/v1/workers/{world.users[worker]}/work-patterns", headers=world.auth("supervisor"),
                             json={"branch_code": branch, "weekdays": weekdays, "valid_from": "2030-04-01", **extra})


def _visit(day: date, hour: int, **confirm: bool) -> dict[str, object]:
    return {"kind": "home_visit", "occurred_at": f"{day.isoformat()}T{hour:02d}:00:00+09:00",
            "duration_minutes": 45, "travel_minutes": 15, **confirm}


async def test_week_view_shows_where_the_worker_is_and_capacity(client: httpx.AsyncClient, world: World) -> None:
    created = await _pattern(client, world, "mental_care_worker", "karasuyama", [2, 5])
    assert created.status_code == 201, created.text
    assert created.headers["ETag"] == '"1"'
    leave = await client.post(f"/v1/workers/{world.users['mental_care_worker']}/leave",
                              headers=world.auth("supervisor"),
                              json={"first_day": (MONDAY + timedelta(4)).isoformat(),
                                    "last_day": (MONDAY + timedelta(4)).isoformat(), "note": "研修"})
    assert leave.status_code == 201, leave.text
    # The worker reads its own week; Tuesday at 烏山, Friday on leave, the rest off.
    week = await client.get(f"/v1/workers/{world.users['mental_care_worker']}/schedule",
                            params={"from": MONDAY.isoformat()}, headers=world.auth("mental_care_worker"))
    assert week.status_code == 200, week.text
    days = week.json()["days"]
    assert [(d["weekday"], d["branch_code"], d["capacity"], d["on_leave"]) for d in days] == [
        (1, None, 0, False), (2, "karasuyama", 5, False), (3, None, 0, False), (4, None, 0, False),
        (5, None, 0, True), (6, None, 0, False), (7, None, 0, False)]
    assert week.json()["days_by_branch"] == {"karasuyama": 1}
    # A worker with no pattern keeps the ward-wide capacity every day.
    other = await client.get(f"/v1/workers/{world.users['caseworker']}/schedule",
                             params={"from": MONDAY.isoformat(), "to": MONDAY.isoformat()},
                             headers=world.auth("supervisor"))
    assert [(d["scheduled"], d["capacity"]) for d in other.json()["days"]] == [(False, 5)]


async def test_patterns_refuse_overlaps_and_branches_the_worker_lacks(client: httpx.AsyncClient,
                                                                      world: World) -> None:
    assert (await _pattern(client, world, "mental_care_worker", "karasuyama", [1, 3])).status_code == 201
    overlap = await _pattern(client, world, "mental_care_worker", "karasuyama", [3])
    assert overlap.status_code == 409, overlap.text
    elsewhere = await _pattern(client, world, "mental_care_worker", "setagaya", [2])
    assert elsewhere.status_code == 422, elsewhere.text
    bad = await _pattern(client, world, "mental_care_worker", "karasuyama", [8])
    assert bad.status_code == 422
    listed = await client.get(f"/v1/workers/{world.users['mental_care_worker']}/work-patterns",
                              headers=world.auth("mental_care_worker"))
    assert [p["weekdays"] for p in listed.json()] == [[1, 3]]
    pattern = listed.json()[0]
    ended = await client.patch(f"/v1/workers/{world.users['mental_care_worker']}/work-patterns/{pattern['id']}",
                               headers={**world.auth("supervisor"), "If-Match": '"1"'}, json={"valid_to": "2030-04-30"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["valid_to"], ended.headers["ETag"]) == ("2030-04-30", '"2"')
    # Ended in April: from May its Wednesdays are free for a new pattern.
    assert (await _pattern(client, world, "mental_care_worker", "karasuyama", [3],
                           valid_from="2030-05-01")).status_code == 201
    pattern = {**pattern, "version": 2}
    stale = await client.delete(f"/v1/workers/{world.users['mental_care_worker']}/work-patterns/{pattern['id']}",
                                headers={**world.auth("supervisor"), "If-Match": '"9"'})
    assert stale.status_code == 412
    gone = await client.delete(f"/v1/workers/{world.users['mental_care_worker']}/work-patterns/{pattern['id']}",
                               headers={**world.auth("supervisor"), "If-Match": '"2"'})
    assert gone.status_code == 204


async def test_only_supervisors_of_the_workers_branch_see_others_schedules(client: httpx.AsyncClient,
                                                                          world: World) -> None:
    path = f"/v1/workers/{world.users['mental_care_worker']}/schedule"
    assert (await client.get(path, headers=world.auth("supervisor"))).status_code == 200
    assert (await client.get(path, headers=world.auth("caseworker"))).status_code == 403
    # caseworker2 works for 世田谷: not the supervisor's, and never another worker's schedule.
    theirs = f"/v1/workers/{world.users['caseworker2']}/schedule"
    assert (await client.get(theirs, headers=world.auth("supervisor"))).status_code == 404
    assert (await _pattern(client, world, "caseworker2", "setagaya", [1])).status_code == 404


async def test_a_sixth_visit_is_refused_unless_confirmed(client: httpx.AsyncClient, db: AsyncSession,
                                                         world: World) -> None:
    s = await build_scenario(db, world)
    assert (await _pattern(client, world, "mental_care_worker", "karasuyama", [2, 5])).status_code == 201
    tuesday = MONDAY + timedelta(1)
    path = f"/v1/episodes/{s.episode_in.id}/activities"
    for hour in range(9, 14):
        booked = await client.post(path, json=_visit(tuesday, hour), headers=world.auth("mental_care_worker"))
        assert booked.status_code == 201, booked.text
    sixth = await client.post(path, json=_visit(tuesday, 15), headers=world.auth("mental_care_worker"))
    assert sixth.status_code == 409, sixth.text
    problem = sixth.json()
    assert (problem["reason"], problem["visits"], problem["capacity"]) == ("over_capacity", 5, 5)
    assert "confirm_over_capacity" in problem["detail"]
    confirmed = await client.post(path, json=_visit(tuesday, 15, confirm_over_capacity=True),
                                  headers=world.auth("mental_care_worker"))
    assert confirmed.status_code == 201, confirmed.text
    # A phone call is not a visit: never refused.
    call = {"kind": "phone_call", "occurred_at": f"{tuesday}T17:00:00+09:00", "duration_minutes": 10}
    assert (await client.post(path, json=call, headers=world.auth("mental_care_worker"))).status_code == 201
    day = await client.get("/v1/activities", params={"on": tuesday.isoformat()},
                           headers=world.auth("mental_care_worker"))
    assert (day.json()["visits"], day.json()["capacity"], day.json()["remaining"]) == (6, 5, 0)


async def test_a_visit_on_a_day_off_is_refused_unless_confirmed(client: httpx.AsyncClient, db: AsyncSession,
                                                                world: World) -> None:
    s = await build_scenario(db, world)
    assert (await _pattern(client, world, "mental_care_worker", "karasuyama", [2])).status_code == 201
    path = f"/v1/episodes/{s.episode_in.id}/activities"
    off = await client.post(path, json=_visit(MONDAY, 10), headers=world.auth("mental_care_worker"))
    assert off.status_code == 409, off.text
    assert off.json()["reason"] == "not_working"
    ja = await client.post(path, json=_visit(MONDAY, 10),
                           headers={**world.auth("mental_care_worker"), "Accept-Language": "ja"})
    assert "勤務日ではありません" in ja.json()["detail"]
    ok = await client.post(path, json=_visit(MONDAY, 10, confirm_elsewhere=True),
                           headers=world.auth("mental_care_worker"))
    assert ok.status_code == 201, ok.text


async def test_capacity_use_per_branch_and_per_worker(client: httpx.AsyncClient, db: AsyncSession,
                                                      world: World) -> None:
    s = await build_scenario(db, world)
    assert (await client.post(f"/v1/workers/{world.users['mental_care_worker']}/work-patterns",
                              headers=world.auth("supervisor"),
                              json={"branch_code": "karasuyama", "weekdays": [1, 2, 3, 4, 5],
                                    "valid_from": "2024-04-01", "valid_to": "2024-04-05"})).status_code == 201
    path = f"/v1/episodes/{s.episode_in.id}/activities"
    for hour in range(9, 11):
        assert (await client.post(path, json=_visit(date(2024, 4, 2), hour),
                                  headers=world.auth("mental_care_worker"))).status_code == 201
    params = {"fiscal_year_from": 2024}
    analyst = (await client.get("/v1/stats/capacity-use", params=params, headers=world.auth("analyst"))).json()
    karasuyama = next(b for b in analyst["branches"] if b["branch_code"] == "karasuyama")
    assert (karasuyama["working_days"], karasuyama["capacity"]) == (5, 25)
    # Two visits: with noise of at most ±2 the published value is at most 4, always hidden like the others
    # (the noise key is a hash of the worker's random id and the day, so four visits would show 1 run in 9).
    assert karasuyama["visits"]["suppressed"] is True
    assert analyst["workers"] == []
    supervisor = (await client.get("/v1/stats/capacity-use", params=params, headers=world.auth("supervisor"))).json()
    assert [(w["name"], w["working_days"], w["capacity"], w["visits"], w["capacity_use"])
            for w in supervisor["workers"]] == [("mental_care_worker", 5, 25, 2, 0.08)]
