"""The dashboard on the newsletter's demo world, against figures counted by hand from
api/demo/newsletter.py: in FY2010 (平成22年度), 14 persons were supported — 6 in 居宅生活安定化支援
(home_stabilisation), 3 in the Tokyo discharge programme, 2 in the Setagaya safety-net programme
and 1 each in discharge support, employment and self-reliance. Every figure is within the noise
bound (2) of these; perturbed counts up to the threshold (5) are hidden."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.demo.load import seed_all
from api.main import create_app
from tests.stats_records import consistent

BY_PROGRAMME = {"home_stabilisation": 6, "tokyo_discharge": 3, "setagaya_safety_net": 2, "discharge_support": 1,
                "employment": 1, "self_reliance": 1}


async def test_supported_persons_of_the_demo_world(server_url: str, tmp_path: Path) -> None:
    name = f"iko_demo_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    app = None
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        app = create_app(Settings(database_url=url, data_dir=tmp_path, run_background_workers=False,
                                  log_level="WARNING", stats_snapshot_seconds=0))
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            refs = await seed_all(session)
            await session.commit()
        token = app.state.tokens.issue_access_token(refs.users["analyst"], "user")[0]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            response = await http.get("/v1/stats/supported-persons", params={"fiscal_year_from": "2010"},
                                      headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["fiscal_years"][0]["label_ja"] == "平成22年度"
        # The newsletter's 14 stays useful: published as 12 to 16, never hidden.
        total = body["total"]["figures"][0]
        assert total["suppressed"] is False
        assert 12 <= total["value"] <= 16
        assert body["noise_bound"] == 2
        assert body["fiscal_years"][0]["final"] is True
        by_programme = {r["programme_code"]: r["figures"][0] for r in body["rows"]
                        if r["branch_code"] is None and r["programme_code"] is not None}
        for code, count in BY_PROGRAMME.items():
            assert consistent(by_programme[code], count), code
        # The single persons of three programmes are never shown as such.
        assert by_programme["employment"]["value"] is None
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)
