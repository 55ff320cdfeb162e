"""The newsletter's scenes of issue 18 items 1 and 8, replayed against the demo world:
中野さん (mcw.setagaya) works at 世田谷 three days a week and 北沢 two; 為我井さん (mcw.tamagawa)
three days at 玉川; 烏山's worker twice a week; a client in the third year of support
(「３年目になる方も」) shows as long running; the short readmission of the 烏山 client is counted."""

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

WEEK = {"from": "2010-07-19"}  # Monday of the July council meeting's week


async def test_newsletter_schedules_and_endings(server_url: str, tmp_path: Path) -> None:
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

        def auth(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {app.state.tokens.issue_access_token(refs.users[user], 'user')[0]}"}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            async def week(worker: str) -> dict[str, int]:
                response = await http.get(f"/v1/workers/{refs.users[worker]}/schedule", params=WEEK,
                                          headers=auth(worker))
                assert response.status_code == 200, response.text
                assert all(d["capacity"] in (0, 5) for d in response.json()["days"])
                result: dict[str, int] = response.json()["days_by_branch"]
                return result

            assert await week("mcw.setagaya") == {"setagaya": 3, "kitazawa": 2}
            assert await week("mcw.tamagawa") == {"tamagawa": 3}
            assert await week("mcw.karasuyama") == {"karasuyama": 2}
            # 世田谷's supervisor is not in the demo; 烏山's sees its own worker's week, not 玉川's.
            other = await http.get(f"/v1/workers/{refs.users['mcw.tamagawa']}/schedule", params=WEEK,
                                   headers=auth("sv.karasuyama"))
            assert other.status_code == 404

            long = await http.get("/v1/episode-endings", params={"condition": "long_running", "on": "2010-07-21"},
                                  headers=auth("mcw.tamagawa"))
            assert long.status_code == 200, long.text
            assert [e["started_on"] for e in long.json()["items"]] == ["2008-07-01"]

            readmissions = await http.get("/v1/stats/readmissions", params={"fiscal_year_from": 2010},
                                          headers=auth("analyst"))
            assert readmissions.status_code == 200, readmissions.text
            # One readmission: a small count, hidden as every small count is.
            assert readmissions.json()["total"]["figures"][0]["suppressed"] is True
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)
