"""Ending support (issue 18, item 8): the lists, the webhook events sent once, readmissions counted."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import WebhookDelivery, WebhookSubscription
from api.domain.fiscal import today_tokyo
from api.services.episode_endings import send_alerts
from tests.scenario import build_scenario
from tests.world import World


async def test_ending_soon_and_long_running_lists_are_scoped(client: httpx.AsyncClient, db: AsyncSession,
                                                            world: World) -> None:
    s = await build_scenario(db, world)
    today = today_tokyo()
    s.episode_in.planned_end = today + timedelta(days=20)
    s.episode_in.started_on = today - timedelta(days=800)
    await db.flush()
    for role in ("caseworker", "supervisor"):
        soon = await client.get("/v1/episode-endings", headers=world.auth(role))
        assert soon.status_code == 200, soon.text
        assert [e["id"] for e in soon.json()["items"]] == [str(s.episode_in.id)], role
    narrow = await client.get("/v1/episode-endings", params={"within_days": 10}, headers=world.auth("caseworker"))
    assert narrow.json()["items"] == []
    long = await client.get("/v1/episode-endings", params={"condition": "long_running"},
                            headers=world.auth("caseworker"))
    assert [e["id"] for e in long.json()["items"]] == [str(s.episode_in.id)]
    shorter = await client.get("/v1/episode-endings", params={"condition": "long_running", "longer_than_days": 900},
                               headers=world.auth("caseworker"))
    assert shorter.json()["items"] == []
    # caseworker2 (世田谷) is on neither care team.
    assert (await client.get("/v1/episode-endings", headers=world.auth("caseworker2"))).json()["items"] == []


async def test_events_are_sent_once_per_condition(db: AsyncSession, world: World, settings: Settings) -> None:
    s = await build_scenario(db, world)
    today = today_tokyo()
    s.episode_in.planned_end = today + timedelta(days=20)
    s.episode_in.started_on = today - timedelta(days=800)
    db.add(WebhookSubscription(agency_id=world.agencies["mota"], url="https://r.example/h", events=["episode.*"],
                               secret="s", active=True, created_by=world.users["admin"]))
    await db.flush()
    first = await send_alerts(db, settings)
    assert first["ending_soon"] >= 1
    assert first["long_running"] >= 1
    rows = (await db.scalars(select(WebhookDelivery).where(WebhookDelivery.resource_id == s.episode_in.id))).all()
    assert sorted(r.event_type for r in rows) == ["episode.ending_soon", "episode.long_running"]
    assert await send_alerts(db, settings) == {"ending_soon": 0, "long_running": 0}
    # An extension moves the planned end: the next time it nears, it is sent again.
    s.episode_in.planned_end = today + timedelta(days=25)
    await db.flush()
    assert (await send_alerts(db, settings))["ending_soon"] == 1


async def test_readmissions_statistic(client: httpx.AsyncClient, world: World) -> None:
    body = await client.get("/v1/stats/readmissions", params={"fiscal_year_from": 2010},
                            headers=world.auth("analyst"))
    assert body.status_code == 200, body.text
    assert [r["category"] for r in body.json()["rows"]] == ["within_6_months", "within_1_year", "later"]
    assert date(2010, 4, 1) <= date.fromisoformat(body.json()["as_of"][:10])
