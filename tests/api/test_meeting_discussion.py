"""Structured minutes (issue 18, item 9) through the API: the secretariat records questions,
answers and closing remarks with each speaker's affiliation and the attendance breakdown; the
published minutes show them, except what is closed (非公開)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AgendaItem, Meeting
from tests.meeting_records import make_meeting
from tests.world import World

FLOOR = {"label_ja": "フロア参加者", "affiliation_ja": "フロア", "from_floor": True}


async def _post(client: httpx.AsyncClient, world: World, meeting_id: Any, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/v1/meetings/{meeting_id}/minutes-entries", json=body,
                                 headers=world.auth("secretariat"))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_questions_answers_and_remarks_reach_the_published_minutes_but_closed_ones_never(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    records = await make_meeting(db, world.agencies["mota"], status="held")
    public_item, closed_item = records.item_ids
    await db.execute(update(AgendaItem).where(AgendaItem.id == closed_item).values(public=False))
    corporation = {"label_ja": "受託法人 職員", "affiliation_ja": "委託事業所",
                   "agency_id": str(world.agencies["mota"])}
    question = await _post(client, world, records.meeting_id, kind="question", speaker=FLOOR,
                           text_ja="委託事業所側の課題は何ですか。", agenda_item_id=str(public_item))
    await _post(client, world, records.meeting_id, kind="answer", speaker=corporation,
                text_ja="月1回話す場を設けている。", answers_id=question["id"])
    secret = await _post(client, world, records.meeting_id, kind="question", speaker=FLOOR, text_ja="個別ケースA",
                         agenda_item_id=str(closed_item))
    await _post(client, world, records.meeting_id, kind="answer", speaker=corporation, text_ja="個別ケースBの回答",
                answers_id=secret["id"])
    await _post(client, world, records.meeting_id, kind="comment", speaker=FLOOR, text_ja="記録しない意見",
                public=False)
    await _post(client, world, records.meeting_id, kind="closing_remark",
                speaker={"label_ja": "東京都生活福祉部保護課 職員", "affiliation_ja": "東京都保護課"},
                text_ja="丁寧な対応と思う。")
    # An answer needs a question of this meeting; only answers answer.
    wrong = await client.post(f"/v1/meetings/{records.meeting_id}/minutes-entries", headers=world.auth("secretariat"),
                              json={"kind": "comment", "speaker": FLOOR, "text_ja": "x", "answers_id": question["id"]})
    assert wrong.status_code == 422
    # Staff other than the meeting managers see only what will be published.
    seen = await client.get(f"/v1/meetings/{records.meeting_id}/minutes-entries", headers=world.auth("caseworker"))
    assert [e["text_ja"] for e in seen.json()] == ["委託事業所側の課題は何ですか。", "月1回話す場を設けている。",
                                                  "丁寧な対応と思う。"]
    managed = await client.get(f"/v1/meetings/{records.meeting_id}/minutes-entries", headers=world.auth("secretariat"))
    assert len(managed.json()) == 6
    # Attendance, at the meeting's version.
    version = (await client.get(f"/v1/meetings/{records.meeting_id}/attendance",
                                headers=world.auth("secretariat"))).headers["ETag"]
    groups = [{"inside_ward": True, "agency_type": "ward_division", "count": 30},
              {"inside_ward": False, "agency_type": "metropolitan_government", "count": 2},
              {"inside_ward": False, "agency_type": "individual", "count": 16}]
    put = await client.put(f"/v1/meetings/{records.meeting_id}/attendance", json={"groups": groups},
                           headers={**world.auth("secretariat"), "If-Match": version})
    assert put.status_code == 200, put.text
    assert (put.json()["total"], put.json()["inside_ward"], put.json()["outside_ward"]) == (48, 30, 18)
    # Not published yet: nothing public.
    assert (await client.get(f"/v1/public/meetings/{records.meeting_id}/discussion")).status_code == 404
    await db.execute(update(Meeting).where(Meeting.id == records.meeting_id).values(status="minutes_published"))
    public = await client.get(f"/v1/public/meetings/{records.meeting_id}/discussion")
    assert public.status_code == 200, public.text
    body = public.json()
    asked = [(q["text_ja"], [(a["speaker"]["affiliation_ja"], a["text_ja"]) for a in q["answers"]])
             for q in body["questions"]]
    assert asked == [("委託事業所側の課題は何ですか。", [("委託事業所", "月1回話す場を設けている。")])]
    assert [(r["speaker"]["affiliation_ja"], r["text_ja"]) for r in body["closing_remarks"]] == [
        ("東京都保護課", "丁寧な対応と思う。")]
    assert body["comments"] == []
    assert "個別ケース" not in public.text
    assert "記録しない" not in public.text
    assert body["attendance"]["by_agency_type"][0] == {"agency_type": "individual", "inside_ward": 0,
                                                      "outside_ward": 16, "total": 16}
    # Published: a closed record, nothing more is said.
    late = await client.post(f"/v1/meetings/{records.meeting_id}/minutes-entries", headers=world.auth("secretariat"),
                             json={"kind": "comment", "speaker": FLOOR, "text_ja": "追記"})
    assert late.status_code == 409


async def test_an_agenda_items_figures_are_captured_from_stats_with_the_query_beside_them(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    records = await make_meeting(db, world.agencies["mota"], status="held")
    public_item, closed_item = records.item_ids
    await db.execute(update(AgendaItem).where(AgendaItem.id == closed_item).values(public=False))
    query = {"statistic": "cumulative-persons", "fiscal_year_from": 2007, "fiscal_year_to": 2010,
             "programme_code": None, "branch_code": None}
    made = await client.post(f"/v1/agenda-items/{public_item}/captured-figures", headers=world.auth("secretariat"),
                             json={"label_ja": "事業開始からの支援対象者数", "query": query})
    assert made.status_code == 201, made.text
    captured = made.json()
    assert captured["query"] == query
    assert captured["answer"]["label_ja"] == "平成19年度〜平成22年度"
    assert captured["as_of"] == captured["answer"]["as_of"]
    hidden = await client.post(f"/v1/agenda-items/{closed_item}/captured-figures", headers=world.auth("secretariat"),
                               json={"query": {"statistic": "supported-persons", "fiscal_year_from": 2010}})
    assert hidden.status_code == 201, hidden.text
    # The closed item's capture is for the meeting managers only.
    assert (await client.get(f"/v1/agenda-items/{closed_item}/captured-figures",
                             headers=world.auth("caseworker"))).json() == []
    assert len((await client.get(f"/v1/agenda-items/{closed_item}/captured-figures",
                                 headers=world.auth("secretariat"))).json()) == 1
    # An unknown statistic filter answers as /v1/stats does.
    bad = await client.post(f"/v1/agenda-items/{public_item}/captured-figures", headers=world.auth("secretariat"),
                            json={"query": {"statistic": "supported-persons", "programme_code": "no_such"}})
    assert bad.status_code == 422
    await db.execute(update(Meeting).where(Meeting.id == records.meeting_id).values(status="minutes_published"))
    public = (await client.get(f"/v1/public/meetings/{records.meeting_id}/discussion")).json()
    assert [c["query"]["statistic"] for c in public["captured_figures"]] == ["cumulative-persons"]
