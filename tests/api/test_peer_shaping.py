"""Issue 14, finding 2: a peer supporter on the care team receives name, contact and shared goals,
never the case record, through any route: a supervisor's decision notes, the closure reason and
the status history of an episode used to come back in full from GET /v1/episodes/{id}."""

from __future__ import annotations

from datetime import timedelta

import httpx
import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Decision, EpisodeStatusChange
from api.domain.fiscal import today_tokyo
from tests.scenario import Scenario, build_scenario
from tests.world import World

NOTES = "統合失調症(F20)の陽性症状が再燃…生活保護受給継続"
REASON = "再入院のため一時中断"
LIVING = "単身アパート、家賃は生活保護の住宅扶助"
WITHDRAWAL = "入院先の主治医と相談して撤回"


async def _closed_case(db: AsyncSession, world: World) -> Scenario:
    s = await build_scenario(db, world)
    episode = s.episode_in
    decision = Decision(episode_id=episode.id, action="finish", decided_on=today_tokyo(), body="支援会議",
                        attendees=[{"name": "係長"}], decision="支援終了", notes=NOTES,
                        recorded_by=world.users["supervisor"])
    db.add(decision)
    await db.flush()
    db.add(EpisodeStatusChange(episode_id=episode.id, action="hold", from_status="active", to_status="on_hold",
                               reason=REASON, readmission=True, by_principal=world.users["supervisor"]))
    episode.status = "finished"
    episode.ended_on = today_tokyo()
    episode.closure_reason = "hospitalised"
    episode.living_situation_at_closure = LIVING
    s.consent_in.withdrawn_on = today_tokyo() - timedelta(days=1)
    s.consent_in.withdrawal_reason = WITHDRAWAL
    s.consent_in.witness = "立会人 太郎"
    await db.flush()
    return s


def _leaks(text: str) -> list[str]:
    return [t for t in (NOTES, REASON, LIVING, WITHDRAWAL, "hospitalised", "立会人", "sensitive case note",
                        "F20", "schizophrenia") if t in text]


async def test_peer_supporter_gets_no_decisions_history_or_closure_of_an_episode(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await _closed_case(db, world)
    peer = world.auth("peer_supporter")
    response = await client.get(f"/v1/episodes/{s.episode_in.id}", headers=peer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(s.episode_in.id)
    assert body["status"] == "finished"
    for withheld in ("decisions", "history", "closure_reason", "living_situation_at_closure"):
        assert withheld not in body
    assert _leaks(response.text) == []
    # The care team's professionals still read the whole record.
    full = await client.get(f"/v1/episodes/{s.episode_in.id}", headers=world.auth("caseworker"))
    assert full.json()["decisions"][0]["notes"] == NOTES
    assert full.json()["history"][0]["reason"] == REASON
    assert full.json()["closure_reason"] == "hospitalised"


async def test_peer_supporter_gets_no_case_record_from_any_list_or_export(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await _closed_case(db, world)
    peer = world.auth("peer_supporter")
    answers = {
        "episodes": await client.get("/v1/episodes", headers=peer),
        "consents": await client.get(f"/v1/clients/{s.client_in.id}/consents", headers=peer),
        "clients": await client.get("/v1/clients", headers=peer),
        "client": await client.get(f"/v1/clients/{s.client_in.id}", headers=peer),
        "goals": await client.get(f"/v1/episodes/{s.episode_in.id}/goals", headers=peer),
        "export episodes": await client.get("/v1/exports/episodes", headers=peer),
        "export episodes csv": await client.get("/v1/exports/episodes", headers=peer, params={"format": "csv"}),
        "export clients": await client.get("/v1/exports/clients", headers=peer),
    }
    for name, response in answers.items():
        assert response.status_code == 200, (name, response.text)
        assert _leaks(response.text) == [], name
    assert answers["goals"].json()[0]["text"] == "週1回の外出"  # shared goals: theirs to see
    assert answers["client"].json()["phone"] == "03-0000-0000"
    episodes = [orjson.loads(line) for line in answers["export episodes"].text.splitlines()]
    assert episodes
    assert all("closure_reason" not in e for e in episodes)
    assert "closure_reason" not in answers["export episodes csv"].text.splitlines()[0]
    consent = next(c for c in answers["consents"].json() if c["id"] == str(s.consent_in.id))
    assert "withdrawal_reason" not in consent
    assert "witness" not in consent
