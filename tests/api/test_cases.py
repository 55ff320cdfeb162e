"""Clients, consent, care teams and episodes over HTTP: the rules of issue 4, each with a test
that fails when the rule is removed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent, Client, Programme
from api.domain.fiscal import today_tokyo
from tests.scenario import build_scenario
from tests.world import World

NEW_CLIENT = {"name": "佐々木 恵", "kana": "ささき めぐみ", "date_of_birth": "1971-09-30", "sex": "female",
              "branch_code": "karasuyama", "residence_type": "psychiatric_ward", "diagnoses": ["F32"],
              "public_assistance": True, "notes": "長期入院からの退院を希望"}


def etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def _programme(db: AsyncSession, world: World, *, consent_required: bool = True) -> Programme:
    programme = Programme(code=f"p_{uuid.uuid4().hex[:6]}", name_ja="退院促進支援", name_en="Discharge support",
                          operating_agency_ids=[world.agencies["karasuyama_seikatsu"]], default_duration_months=12,
                          consent_required=consent_required)
    db.add(programme)
    await db.flush()
    return programme


async def _create_client(client: httpx.AsyncClient, world: World, **over: Any) -> httpx.Response:
    body = {**NEW_CLIENT, "hospital_agency_id": str(world.agencies["hospital"]), **over}
    return await client.post("/v1/clients", json=body, headers=world.auth("caseworker"))


async def test_full_episode_lifecycle_over_http(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    programme = await _programme(db, world)
    cw, sv, outsider = world.auth("caseworker"), world.auth("supervisor"), world.auth("caseworker2")
    created = await _create_client(client, world)
    assert created.status_code == 201, created.text
    client_id = created.json()["id"]
    assert created.json()["kana"] == "ササキ メグミ"
    assert (await client.get(f"/v1/clients/{client_id}", headers=outsider)).status_code == 404

    consent = await client.post(f"/v1/clients/{client_id}/consents", headers=cw, json={
        "programme_codes": [programme.code], "purposes": ["programme_enrolment"], "data_categories": ["identity"],
        "given_on": "2010-07-01", "recorded_how": "signed_form"})
    assert consent.status_code == 201, consent.text
    proposed = await client.post("/v1/episodes", headers=cw,
                                 json={"client_id": client_id, "programme_code": programme.code})
    assert proposed.status_code == 201, proposed.text
    episode_id = proposed.json()["id"]
    assert proposed.json()["allowed_actions"] == ["cancel", "start"]
    for path in (f"/v1/episodes/{episode_id}", f"/v1/episodes/{episode_id}/goals"):
        assert (await client.get(path, headers=outsider)).status_code == 404

    # A caseworker proposes; only a supervisor records the support meeting's decision.
    decision = {"decided_on": "2010-07-21", "decision": "支援開始", "attendees": [{"name": "本人"}]}
    denied = await client.post(f"/v1/episodes/{episode_id}/transitions", headers={**cw, **etag(proposed)},
                               json={"action": "start", "decision": decision})
    assert denied.status_code == 403
    started = await client.post(f"/v1/episodes/{episode_id}/transitions", headers={**sv, **etag(proposed)},
                                json={"action": "start", "decision": decision})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "active"
    assert started.json()["started_on"] == "2010-07-21"
    assert started.json()["planned_end"] == "2011-07-20"  # one year, 民法143条

    goal = await client.post(f"/v1/episodes/{episode_id}/goals", headers=cw, json={"text": "アパートを探す"})
    assert goal.status_code == 201
    visit = await client.post(f"/v1/episodes/{episode_id}/activities", headers=cw, json={
        "kind": "accompaniment", "purpose": "housing", "occurred_at": "2010-08-02T10:00:00+09:00",
        "duration_minutes": 120, "travel_minutes": 40})
    assert visit.status_code == 201, visit.text
    assert (await client.post(f"/v1/episodes/{episode_id}/activities", headers=outsider, json={
        "kind": "home_visit", "occurred_at": "2010-08-03T10:00:00+09:00", "duration_minutes": 60})).status_code == 404

    extend = {"action": "extend", "decision": {**decision, "decided_on": "2011-07-01", "planned_end": "2012-07-20"}}
    extended = await client.post(f"/v1/episodes/{episode_id}/transitions", headers={**sv, **etag(started)}, json=extend)
    assert extended.status_code == 200, extended.text
    assert extended.json()["planned_end"] == "2012-07-20"
    last = extended.json()["history"][-1]
    assert (last["action"], last["previous_planned_end"], last["planned_end"]) == ("extend", "2011-07-20", "2012-07-20")

    no_reason = await client.post(f"/v1/episodes/{episode_id}/transitions", headers={**sv, **etag(extended)},
                                  json={"action": "finish", "decision": {**decision, "decided_on": "2012-03-01"}})
    assert no_reason.status_code == 422
    assert {e["field"] for e in no_reason.json()["errors"]} == {"body.closure_reason", "body.living_situation"}
    finished = await client.post(f"/v1/episodes/{episode_id}/transitions", headers={**sv, **etag(extended)}, json={
        "action": "finish", "decision": {**decision, "decided_on": "2012-03-01"}, "closure_reason": "goal_achieved",
        "living_situation": "アパートで単身生活"})
    assert finished.status_code == 200, finished.text
    body = finished.json()
    assert (body["status"], body["closure_reason"], body["ended_on"]) == ("finished", "goal_achieved", "2012-03-01")
    assert [h["to_status"] for h in body["history"]] == ["proposed", "active", "active", "finished"]
    assert len(body["decisions"]) == 3
    again = await client.post(f"/v1/episodes/{episode_id}/transitions", headers={**sv, **etag(finished)},
                              json={"action": "resume"})
    assert again.status_code == 409
    assert again.json()["allowed"] == []


async def test_start_needs_consent_covering_the_programme(client: httpx.AsyncClient, db: AsyncSession,
                                                         world: World) -> None:
    programme = await _programme(db, world)
    client_id = (await _create_client(client, world)).json()["id"]
    proposed = await client.post("/v1/episodes", headers=world.auth("caseworker"),
                                 json={"client_id": client_id, "programme_code": programme.code})
    response = await client.post(
        f"/v1/episodes/{proposed.json()['id']}/transitions", headers={**world.auth("supervisor"), **etag(proposed)},
        json={"action": "start", "decision": {"decided_on": "2010-07-21", "decision": "開始"}})
    assert response.status_code == 409
    assert response.json()["type"].endswith("/consent-missing")


async def test_illegal_transition_names_allowed_actions(client: httpx.AsyncClient, db: AsyncSession,
                                                        world: World) -> None:
    s = await build_scenario(db, world)
    response = await client.post(f"/v1/episodes/{s.episode_in.id}/transitions",
                                 headers={**world.auth("supervisor"), "If-Match": '"1"'}, json={"action": "start"})
    assert response.status_code == 409
    assert response.json()["allowed"] == ["extend", "finish", "hold"]


async def test_if_match_required_and_checked(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    path = f"/v1/clients/{s.client_in.id}"
    cw = world.auth("caseworker")
    assert (await client.patch(path, headers=cw, json={"phone": "03-1"})).status_code == 428
    stale = await client.patch(path, headers={**cw, "If-Match": '"7"'}, json={"phone": "03-1234"})
    assert stale.status_code == 412
    ok = await client.patch(path, headers={**cw, "If-Match": '"1"'}, json={"phone": "03-1234"})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    assert (await client.patch(path, headers={**cw, "If-Match": '"1"'}, json={"phone": "03-9"})).status_code == 412


async def test_duplicate_kana_and_birth_date_answers_candidates(client: httpx.AsyncClient, world: World) -> None:
    first = await _create_client(client, world)
    again = await _create_client(client, world, kana="ｻｻｷ ﾒｸﾞﾐ")
    assert again.status_code == 409
    assert again.json()["candidates"][0]["id"] == first.json()["id"]
    confirmed = await _create_client(client, world, confirm_not_duplicate=True)
    assert confirmed.status_code == 201


async def test_idempotent_create_and_client_generated_id(client: httpx.AsyncClient, db: AsyncSession,
                                                         world: World) -> None:
    chosen = str(uuid.uuid4())
    headers = {**world.auth("caseworker"), "Idempotency-Key": "offline-capture-1"}
    body = {**NEW_CLIENT, "id": chosen, "residence_type": "apartment"}
    first = await client.post("/v1/clients", json=body, headers=headers)
    retry = await client.post("/v1/clients", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert first.json()["id"] == retry.json()["id"] == chosen
    assert retry.headers.get("idempotent-replayed") == "true"
    assert await db.scalar(select(func.count()).select_from(Client).where(Client.id == uuid.UUID(chosen))) == 1
    other = await client.post("/v1/clients", json={**body, "name": "別人"}, headers=headers)
    assert other.status_code == 422


async def test_a_replayed_create_is_audited_as_a_read_of_the_same_client(client: httpx.AsyncClient, db: AsyncSession,
                                                                        world: World) -> None:
    """The replay serves the stored body (the client's name, birth date...) again: the access log
    must show it, or a retry loop would read a record without a trace."""
    headers = {**world.auth("caseworker"), "Idempotency-Key": "offline-capture-2"}
    body = {**NEW_CLIENT, "residence_type": "apartment"}
    first = await client.post("/v1/clients", json=body, headers=headers)
    retry = await client.post("/v1/clients", json=body, headers=headers)
    assert retry.headers.get("idempotent-replayed") == "true"
    assert "x-audited-records" not in retry.headers
    rows = (await db.execute(select(AuditEvent.action, AuditEvent.client_id, AuditEvent.detail).where(
        AuditEvent.request_id == retry.headers["x-request-id"]))).all()
    assert [(r.action, str(r.client_id), r.detail) for r in rows] == [
        ("read", first.json()["id"], {"idempotent_replay": True})]


async def test_unknown_or_protected_fields_are_refused(client: httpx.AsyncClient, db: AsyncSession,
                                                       world: World) -> None:
    s = await build_scenario(db, world)
    for field, value in (("active", False), ("version", 9), ("created_by", str(uuid.uuid4())), ("kana_sort", "A")):
        response = await client.patch(f"/v1/clients/{s.client_in.id}", json={field: value},
                                      headers={**world.auth("caseworker"), "If-Match": '"1"'})
        assert response.status_code == 422, field
    await db.refresh(s.client_in)
    assert s.client_in.active is True
    assert s.client_in.version == 1


async def test_kana_search_and_gojuon_order(client: httpx.AsyncClient, world: World) -> None:
    for name, kana in (("渡辺 一", "わたなべ はじめ"), ("阿部 二", "アベ ツギ"), ("加藤 三", "ｶﾄｳ ｻﾝ")):
        response = await _create_client(client, world, name=name, kana=kana, residence_type="apartment",
                                        date_of_birth="1980-01-01")
        assert response.status_code == 201, response.text
    listed = await client.get("/v1/clients", headers=world.auth("caseworker"))
    kanas = [c["kana"] for c in listed.json()["items"]]
    assert kanas == sorted(kanas, key=lambda k: ["アベ ツギ", "カトウ サン", "ワタナベ ハジメ"].index(k))
    found = await client.get("/v1/clients", params={"kana": "かと"}, headers=world.auth("caseworker"))
    assert [c["kana"] for c in found.json()["items"]] == ["カトウ サン"]


async def test_list_pages_with_cursor(client: httpx.AsyncClient, world: World) -> None:
    for i in range(5):
        await _create_client(client, world, name=f"患者 {i}", kana=f"カンジャ {chr(0x30A2 + 2 * i)}",
                             residence_type="apartment", date_of_birth="1980-01-01")
    seen, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/clients", params=params, headers=world.auth("caseworker"))).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5


async def test_consent_withdrawal_closes_episodes_in_the_same_request(client: httpx.AsyncClient, db: AsyncSession,
                                                                      world: World) -> None:
    s = await build_scenario(db, world)
    response = await client.post(f"/v1/clients/{s.client_in.id}/consents/{s.consent_in.id}/withdraw",
                                 headers={**world.auth("peer_supporter"), "If-Match": '"1"'},
                                 json={"reason": "支援をやめたい"})
    assert response.status_code == 200, response.text
    assert response.json()["closed_episode_ids"] == [str(s.episode_in.id)]
    assert response.json()["consent"]["status"] == "inactive"
    episode = (await client.get(f"/v1/episodes/{s.episode_in.id}", headers=world.auth("caseworker"))).json()
    assert (episode["status"], episode["closure_reason"]) == ("finished", "client_withdrew")


async def test_ending_care_team_membership_removes_access(client: httpx.AsyncClient, db: AsyncSession,
                                                          world: World) -> None:
    s = await build_scenario(db, world)
    before = (await client.get(f"/v1/clients/{s.client_in.id}", headers=world.auth("mental_care_worker")))
    assert before.status_code == 200
    team = (await client.get(f"/v1/clients/{s.client_in.id}/care-team", headers=world.auth("caseworker"))).json()
    member = next(m for m in team if m["user_id"] == str(world.users["mental_care_worker"]))
    ended = await client.post(f"/v1/clients/{s.client_in.id}/care-team/{member['id']}/end", json={},
                              headers={**world.auth("caseworker"), "If-Match": f'"{member["version"]}"'})
    assert ended.status_code == 200, ended.text
    after = await client.get(f"/v1/clients/{s.client_in.id}", headers=world.auth("mental_care_worker"))
    assert after.status_code == 404


async def test_updated_since_returns_tombstones(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    since = "2000-01-01T00:00:00+00:00"
    deactivated = await client.post(f"/v1/clients/{s.client_in.id}/deactivate", json={"reason": "転居"},
                                    headers={**world.auth("caseworker"), "If-Match": '"1"'})
    assert deactivated.status_code == 200
    page = (await client.get("/v1/clients", params={"updated_since": since},
                             headers=world.auth("public_health_nurse"))).json()
    assert {"id": str(s.client_in.id), "deleted": True} == {k: page["items"][0][k] for k in ("id", "deleted")}


async def test_left_scope_is_a_tombstone(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    s.member_in.to_date = today_tokyo() - timedelta(days=1)  # the caseworker left the team yesterday
    await db.flush()
    page = (await client.get("/v1/clients", params={"updated_since": "2000-01-01T00:00:00Z"},
                             headers=world.auth("caseworker"))).json()
    assert [(i["id"], i.get("deleted")) for i in page["items"]] == [(str(s.client_in.id), True)]


async def test_peer_supporter_never_receives_sensitive_fields(client: httpx.AsyncClient, db: AsyncSession,
                                                              world: World) -> None:
    s = await build_scenario(db, world)
    response = await client.get(f"/v1/clients/{s.client_in.id}", headers=world.auth("peer_supporter"))
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "山田 花子"
    for hidden in ("diagnoses", "diagnosis_group", "notes", "public_assistance", "date_of_birth"):
        assert hidden not in body
    assert "sensitive case note" not in response.text
    assert response.headers["cache-control"] == "no-store"


async def test_every_client_read_is_audited_and_in_the_access_log(client: httpx.AsyncClient, db: AsyncSession,
                                                                  world: World) -> None:
    s = await build_scenario(db, world)
    await client.get(f"/v1/clients/{s.client_in.id}",
                     headers={**world.auth("public_health_nurse"), "X-Access-Purpose": quote("訪問前の確認")})
    await client.get("/v1/clients", headers=world.auth("mental_care_worker"))
    rows = (await db.execute(select(AuditEvent.actor_id, AuditEvent.action, AuditEvent.purpose)
                             .where(AuditEvent.client_id == s.client_in.id))).all()
    assert (world.users["public_health_nurse"], "read", "訪問前の確認") in rows
    assert any(r[0] == world.users["mental_care_worker"] for r in rows)
    log = await client.get(f"/v1/clients/{s.client_in.id}/access-log", headers=world.auth("caseworker"))
    assert {e["purpose"] for e in log.json()["items"]} >= {"訪問前の確認"}


async def test_worker_day_counts_visits_against_capacity(client: httpx.AsyncClient, db: AsyncSession,
                                                         world: World) -> None:
    s = await build_scenario(db, world)
    day = date(2026, 11, 2)
    for hour in (9, 11, 14):
        await client.post(f"/v1/episodes/{s.episode_in.id}/activities", headers=world.auth("mental_care_worker"),
                          json={"kind": "home_visit", "occurred_at": f"{day}T{hour:02d}:00:00+09:00",
                                "duration_minutes": 60, "travel_minutes": 30})
    await client.post(f"/v1/episodes/{s.episode_in.id}/activities", headers=world.auth("mental_care_worker"),
                      json={"kind": "phone_call", "off_hours": True, "occurred_at": f"{day}T21:00:00+09:00",
                            "duration_minutes": 20})
    response = await client.get("/v1/activities", params={"on": str(day)}, headers=world.auth("mental_care_worker"))
    body = response.json()
    assert (body["visits"], body["capacity"], body["remaining"], body["minutes_with_travel"]) == (3, 5, 2, 290)


async def test_reference_lists_have_both_languages(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get("/v1/reference/closure-reasons", headers=world.auth("analyst"))
    items = {i["code"]: i for i in response.json()["items"]}
    assert items["moved_away"]["ja"] == "転居"
    assert items["client_withdrew"]["en"] == "Client asked to stop"
