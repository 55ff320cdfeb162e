"""What the council reports, replayed against the demo world (issue 18, item 9).

Scene: at the July 2010 meeting the Setagaya/Kitazawa mental-care worker reports 20 (世田谷) and
24 (北沢) persons supported by the home-stabilisation programme since it began in FY2007, and the
Tamagawa worker 26 (玉川). The demo world holds those persons as records; the API counts them
(the release's true leaves, which are never served) and publishes them perturbed within the bound,
like every other statistic."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.demo.load import DemoRefs, seed_all
from api.main import create_app
from tests.stats_records import consistent

REPORTED = {"setagaya": 20, "kitazawa": 24, "tamagawa": 26}


@dataclass
class Demo:
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    refs: DemoRefs
    tokens: Any

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.issue_access_token(self.refs.users[username], 'user')[0]}"}


@pytest.fixture
async def demo(server_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    name = f"iko_council_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    app = None
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        app = create_app(Settings(database_url=url, data_dir=tmp_path, run_background_workers=False,
                                  log_level="WARNING", stats_snapshot_seconds=0,
                                  rate_limit_per_minute=100_000, rate_limit_per_address_per_minute=100_000))
        sessions = async_sessionmaker(app.state.engine, expire_on_commit=False)
        async with sessions() as session:
            refs = await seed_all(session)
            await session.commit()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield Demo(http, sessions, refs, app.state.tokens)
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)


async def test_scene_cumulative_persons_since_fy2007_are_the_newsletters(demo: Demo) -> None:
    response = await demo.http.get("/v1/stats/cumulative-persons", headers=demo.auth("analyst"), params={
        "fiscal_year_from": 2007, "fiscal_year_to": 2010, "programme_code": "home_stabilisation"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["label_ja"], body["final"]) == ("平成19年度〜平成22年度", True)
    published = {r["branch_code"]: r["figure"] for r in body["rows"]}
    # Published under the same protection as every statistic: within the bound, never hidden here.
    for branch, count in REPORTED.items():
        assert consistent(published[branch], count), (branch, published[branch])
        assert published[branch]["suppressed"] is False
    # The figures behind them are counted from the records, exactly the newsletter's.
    async with demo.sessions() as session:
        leaves = (await session.scalar(text("SELECT payload->'leaves' FROM stats_snapshot WHERE key = :key"),
                                       {"key": "release:cumulative-persons-2007:2010"}))
    assert {b: leaves[f"home_stabilisation|{b}"] for b in REPORTED} == REPORTED
    # A person supported in several years counts once: the range is not the sum of its years.
    yearly = await demo.http.get("/v1/stats/supported-persons", headers=demo.auth("analyst"), params={
        "fiscal_year_from": 2007, "fiscal_year_to": 2010})
    assert yearly.status_code == 200, yearly.text
    async with demo.sessions() as session:
        years = (await session.scalars(text("SELECT payload->'leaves' FROM stats_snapshot "
                                            "WHERE key LIKE 'release:supported-persons:%'"))).all()
    summed = sum(n for year in years for k, n in year.items() if k.endswith("|home_stabilisation|tamagawa"))
    assert summed > REPORTED["tamagawa"]

async def test_secretariat_may_read_and_care_workers_may_not(demo: Demo) -> None:
    ok = await demo.http.get("/v1/stats/cumulative-persons", headers=demo.auth("sec.council"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["first"]["fiscal_year"] == 2007  # by default, since the programmes began
    refused = await demo.http.get("/v1/stats/cumulative-persons", headers=demo.auth("mcw.setagaya"))
    assert refused.status_code == 403


async def test_scene_kinuta_and_mota_in_the_third_year_of_their_contract(demo: Demo) -> None:
    # 「サポートセンターきぬたと地域生活支援センターMOTAが東京都の事業を受託して3年目」 (July 2010).
    headers = demo.auth("coord.kinuta")
    programme = demo.refs.extra["programmes"]["tokyo_discharge"]
    response = await demo.http.get(f"/v1/programmes/{programme}/contracts", headers=headers,
                                   params={"on": "2010-07-21"})
    assert response.status_code == 200, response.text
    contracts = {c["agency_id"]: c for c in response.json()}
    for agency in ("kinuta_centre", "mota"):
        contract = contracts[str(demo.refs.agencies[agency])]
        assert (contract["contract_year"], contract["contract_year_label_ja"]) == (3, "受託して3年目")
        assert contract["in_force"] is True
    # The same figure as the one the newsletter printed beside the progress report.
    meeting = next(m for m in (await demo.http.get("/v1/public/meetings")).json()["items"]
                   if m["minutes"] is not None)
    printed = [f for i in meeting["minutes"]["items"] for f in i["figures"] or [] if f["key"] == "contract_year"]
    assert [f["value"] for f in printed] == [3]


async def test_scene_the_floor_discussion_and_closing_remarks_in_the_published_minutes(demo: Demo) -> None:
    meeting = next(m for m in (await demo.http.get("/v1/public/meetings")).json()["items"]
                   if m["minutes"] is not None)
    response = await demo.http.get(f"/v1/public/meetings/{meeting['id']}/discussion")
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["questions"]) == 4
    corporation = body["questions"][3]["answers"]
    assert [a["speaker"]["affiliation_ja"] for a in corporation] == ["委託事業所"]
    assert [c["speaker"]["affiliation_ja"] for c in body["comments"]] == ["東京都保護課"]
    assert len(body["closing_remarks"]) == 3
    # 「区内外から48名」: the breakdown adds up to the head count; the closed item's words stay closed.
    attendance = body["attendance"]
    assert attendance["total"] == attendance["attendance_count"] == 48
    assert attendance["inside_ward"] > 0
    assert attendance["outside_ward"] > 0
    assert "非公開" not in response.text
