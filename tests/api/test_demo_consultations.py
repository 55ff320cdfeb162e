"""The newsletter's scenes of issue 18 items 2 and 3, replayed against the demo world.

- 「専門的な視点で助言してほしい」と言われていましたが、日常で相談を受けることはあまりありません: in
  FY2010 the Setagaya mental-care worker was asked once; ward-wide the advice requests are too few
  to publish. A new request is then asked and answered the way the API makes easy.
- 「月１回、メンタルケア支援員と話す場を設け、悩み相談を受けています」(委託事業所より) and 「勤務日以外でも
  電話相談などを受けることがある」: each mental-care worker's twelve monthly talks, and the Tamagawa
  worker's two off-day phone calls, count in the workload statistics.
- 「潜在化している対象者への支援は今後の課題です」: an enquiry about a person whose birth date is
  unknown is recorded, triaged, then registered as a client; the demo's 渡辺 直樹 (c06) came in this way."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.demo.load import DemoRefs, seed_all
from api.main import create_app


@pytest.fixture
async def demo(server_url: str, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, DemoRefs, Any]]:
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
        tokens = app.state.tokens

        def auth(user: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens.issue_access_token(refs.users[user], 'user')[0]}"}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield http, refs, auth
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)


async def test_newsletter_scenes_of_consultations_and_intakes(
        demo: tuple[httpx.AsyncClient, DemoRefs, Any]) -> None:
    http, refs, auth = demo
    clients = refs.extra["clients"]

    # --- the advice gap: asked once in a whole fiscal year, and too few to publish ward-wide
    inbox = (await http.get("/v1/advice-requests", params={"box": "incoming"}, headers=auth("mcw.setagaya"))).json()
    assert [(i["subject"], i["status"], i["client_id"]) for i in inbox["items"]] == [
        ("服薬を嫌がるときの声かけ", "answered", str(clients["c08"]))]
    assert inbox["items"][0]["turnaround_minutes"] == 30 * 60
    stats = await http.get("/v1/stats/advice-requests", params={"fiscal_year": "2010"}, headers=auth("analyst"))
    assert stats.status_code == 200, stats.text
    assert stats.json()["asked"]["suppressed"] is True
    assert stats.json()["median_hours_to_answer"] is None

    # Made easy: 小川さん asks the Karasuyama mental-care worker about 田中 恵理 (c04), whose care team
    # the worker is not on. The worker reads the question and the summary, not the record.
    asked = await http.post("/v1/advice-requests", headers=auth("cw.karasuyama"), json={
        "specialist_id": str(refs.users["mcw.karasuyama"]), "client_id": str(clients["c04"]),
        "subject": "就労に向けた声かけ", "question": "精神保健福祉の専門的な視点で助言してほしい",
        "client_summary": "30代女性。就労支援を利用中。疲れやすいと話す。"})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    seen = await http.get(f"/v1/advice-requests/{request_id}", headers=auth("mcw.karasuyama"))
    assert seen.json()["client_summary"] == "30代女性。就労支援を利用中。疲れやすいと話す。"
    assert (await http.get(f"/v1/clients/{clients['c04']}", headers=auth("mcw.karasuyama"))).status_code == 404
    answered = await http.post(f"/v1/advice-requests/{request_id}/answer", json={"answer": "次回の面接に同席します。"},
                               headers={**auth("mcw.karasuyama"), "If-Match": '"1"'})
    assert answered.status_code == 200
    outgoing = (await http.get("/v1/advice-requests", params={"box": "outgoing", "status": "answered"},
                               headers=auth("cw.karasuyama"))).json()
    assert next(i["id"] for i in outgoing["items"]) == request_id

    # --- 支援者支援 and off-day phone calls in the workload of FY2010
    load = await http.get("/v1/stats/workload", params={"fiscal_year_from": "2010"}, headers=auth("sv.karasuyama"))
    assert load.status_code == 200, load.text
    workers = {w["name"]: w for w in load.json()["workers"]}
    assert (workers["遠藤 亮"]["staff_activities"], workers["遠藤 亮"]["staff_activity_minutes"]) == (12, 720)
    branches = {b["branch_code"]: b for b in load.json()["branches"]}
    assert branches["tamagawa"]["staff_activities"] == 12 + 2
    assert branches["setagaya"]["staff_activities"] == 12 + 1
    talks = (await http.get("/v1/staff-activities", params={"kind": "supporter_support", "limit": "50"},
                            headers=auth("mcw.tamagawa"))).json()["items"]
    assert len(talks) == 12
    assert {t["counterpart"] for t in talks} == {"委託事業所（こもれび）"}

    # --- the hidden ones: an enquiry with an unknown birth date, triaged, then registered
    sv = auth("sv.karasuyama")
    demo_intakes = (await http.get("/v1/intakes", headers=sv)).json()["items"]
    c06 = next(i for i in demo_intakes if i["client_id"] == str(clients["c06"]))
    assert c06["birth_date"] is None
    assert c06["status"] == "converted"
    hidden = next(i for i in demo_intakes if i["status"] == "open")
    assert (hidden["name"], hidden["consent_state"], hidden["triage_outcome"]) == (None, "not_possible", "outreach")
    # The peer supporter never sees an enquiry.
    assert (await http.get("/v1/intakes", headers=auth("peer.kinuta"))).status_code == 403

    cw = auth("cw.karasuyama")
    made = await http.post("/v1/intakes", headers=cw, json={
        "name": "大野 正", "kana": "おおの ただし", "description": "はなみずき病院から。生年月日は本人も覚えていない。",
        "age_estimate": 55, "sex": "male", "branch_code": "karasuyama", "referrer_type": "hospital",
        "referrer_name": "はなみずき病院 精神保健福祉士", "urgency": "soon", "consent_state": "verbal"})
    assert made.status_code == 201, made.text
    intake = made.json()
    assert intake["kana"] == "オオノ タダシ"
    triaged = await http.post(f"/v1/intakes/{intake['id']}/triage", json={"triage_outcome": "accept"},
                              headers={**cw, "If-Match": '"1"'})
    assert triaged.status_code == 200
    converted = await http.post(f"/v1/intakes/{intake['id']}/convert", headers={**cw, "If-Match": '"2"'},
                                json={"date_of_birth": "1955-01-01", "residence_type": "psychiatric_ward",
                                      "hospital_agency_id": str(refs.agencies["hanamizuki_hospital"])})
    assert converted.status_code == 201, converted.text
    person = converted.json()["client"]
    assert (person["name"], person["kana"], person["date_of_birth"]) == ("大野 正", "オオノ タダシ", "1955-01-01")
    assert (await http.get(f"/v1/clients/{person['id']}", headers=cw)).status_code == 200
    assert (await http.get(f"/v1/intakes/{intake['id']}", headers=sv)).json()["client_id"] == person["id"]
