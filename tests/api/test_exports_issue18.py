"""Issue 18's client-linked records in the streaming exports: related persons, refusals, service
uses, risk flags and support plans, each what the caller may see, shaped as the routes shape it,
CSV cells neutralised, every client named in the access log."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from api.domain.fiscal import today_tokyo
from tests.scenario import Scenario, build_scenario
from tests.world import World

MOTHER = {"name": "山田 和子", "kana": "やまだ かずこ", "date_of_birth": "1962-03-04", "sex": "female",
          "branch_code": "karasuyama", "residence_type": "family_home", "diagnoses": ["F20"]}
FORMULA = '=HYPERLINK("http://evil.example","x")'


async def _made(client: httpx.AsyncClient, world: World, s: Scenario) -> dict[str, Any]:
    cw, mcw = world.auth("caseworker"), world.auth("mental_care_worker")
    base = f"/v1/clients/{s.client_in.id}"
    past = (today_tokyo() - timedelta(days=20)).isoformat()
    mother = (await client.post("/v1/clients", json=MOTHER, headers=cw)).json()
    calls = {
        "relative": client.post(f"{base}/related-persons", headers=cw, json={
            "name": "山田 和子", "relationship": "mother", "linked_client_id": mother["id"]}),
        "refusal": client.post(f"{base}/refusals", headers=mcw, json={
            "team_role": "public_health_nurse", "refused_on": past, "source": "client"}),
        "use": client.post(f"{base}/service-uses", headers=mcw, json={
            "kind": "workshop", "provider_name": "作業所 みどり", "started_on": past}),
        "flag": client.post(f"{base}/risk-flags", headers=cw, json={
            "code": "sudden_departure", "raised_on": past, "review_on": today_tokyo().isoformat(), "note": FORMULA}),
        "plan": client.post(f"/v1/episodes/{s.episode_in.id}/support-plans", headers=mcw, json={
            "policy": "方針の本文", "goals": ["毎日服薬する"],
            "assignments": [{"team_role": "caseworker", "task": "手続き"}]}),
    }
    made: dict[str, Any] = {"mother": mother}
    for name, call in calls.items():
        response = await call
        assert response.status_code == 201, response.text
        made[name] = response.json()
    return made


def _ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


async def test_each_new_kind_exports_what_the_caller_sees_and_audits_each_client(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    made = await _made(client, world, s)
    kinds = {"related-persons": "relative", "refusals": "refusal", "service-uses": "use", "risk-flags": "flag",
             "support-plans": "plan"}
    for kind, name in kinds.items():
        before = await db.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
        rows = _ndjson(await client.get(f"/v1/exports/{kind}", headers=world.auth("caseworker")))
        assert [r["id"] for r in rows] == [made[name]["id"]], kind
        audited = (await db.scalars(select(AuditEvent).where(
            AuditEvent.seq > before, AuditEvent.actor_id == world.users["caseworker"],
            AuditEvent.subject == "export", AuditEvent.resource_type == kind))).all()
        assert s.client_in.id in {e.client_id for e in audited}, kind
        # Another agency's caseworker, who does not see the client, gets nothing.
        assert _ndjson(await client.get(f"/v1/exports/{kind}", headers=world.auth("caseworker2"))) == [], kind

    # The link: shown (and audited in the mother's log) only to who sees the mother.
    linked = _ndjson(await client.get("/v1/exports/related-persons", headers=world.auth("supervisor")))
    assert linked[0]["linked_client_id"] == made["mother"]["id"]
    assert await db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.client_id == uuid.UUID(made["mother"]["id"]), AuditEvent.resource_type == "related-persons",
        AuditEvent.subject == "export", AuditEvent.actor_id == world.users["supervisor"])) == 1
    unseen = _ndjson(await client.get("/v1/exports/related-persons", headers=world.auth("mental_care_worker")))
    assert unseen[0]["linked_client_id"] is None
    assert made["mother"]["id"] not in json.dumps(unseen)


async def test_case_notes_are_not_exported_to_peer_supporters_and_plans_lose_their_policy(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    made = await _made(client, world, s)
    peer = world.auth("peer_supporter")
    for kind in ("related-persons", "refusals", "service-uses", "risk-flags"):
        assert (await client.get(f"/v1/exports/{kind}", headers=peer)).status_code == 403, kind
    for role in ("analyst", "admin"):
        assert (await client.get("/v1/exports/risk-flags", headers=world.auth(role))).status_code == 403
    plans = _ndjson(await client.get("/v1/exports/support-plans", headers=peer))
    assert [p["id"] for p in plans] == [made["plan"]["id"]]
    assert "policy" not in plans[0]
    assert plans[0]["goals"] == ["毎日服薬する"]
    header = (await client.get("/v1/exports/support-plans", params={"format": "csv"}, headers=peer)).text
    assert "policy" not in header.splitlines()[0].split(",")
    full = _ndjson(await client.get("/v1/exports/support-plans", headers=world.auth("mental_care_worker")))
    assert full[0]["policy"] == "方針の本文"
    assert (full[0]["status"], full[0]["current"], full[0]["acknowledged_by_me"]) == ("draft", False, False)


async def test_a_risk_flag_note_that_looks_like_a_formula_comes_back_as_text(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    await _made(client, world, s)
    response = await client.get("/v1/exports/risk-flags", params={"format": "csv"}, headers=world.auth("caseworker"))
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["code"], r["note"], r["review_due"]) for r in rows] == [("sudden_departure", "'" + FORMULA, "true")]
    assert "raised_by" in rows[0]


async def test_intakes_and_advice_requests_export_to_who_sees_them(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    cw = world.auth("caseworker")
    enquiry = await client.post("/v1/intakes", headers=cw, json={
        "description": "民生委員から。近所とのトラブル。", "referrer_type": "welfare_commissioner", "urgency": "soon",
        "consent_state": "not_asked", "branch_code": "karasuyama"})
    assert enquiry.status_code == 201, enquiry.text
    asked = await client.post("/v1/advice-requests", headers=cw, json={
        "specialist_id": str(world.users["public_health_nurse"]), "client_id": str(s.client_in.id),
        "subject": "服薬の声かけ", "question": "専門的な視点で助言してほしい", "client_summary": "50代女性、単身。"})
    assert asked.status_code == 201, asked.text

    intakes = _ndjson(await client.get("/v1/exports/intakes", headers=cw))
    assert [i["id"] for i in intakes] == [enquiry.json()["id"]]
    assert _ndjson(await client.get("/v1/exports/intakes", headers=world.auth("caseworker2"))) == []
    assert (await client.get("/v1/exports/intakes", headers=world.auth("peer_supporter"))).status_code == 403

    before = await db.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))
    incoming = _ndjson(await client.get("/v1/exports/advice-requests", headers=world.auth("public_health_nurse")))
    assert [(a["id"], a["client_summary"]) for a in incoming] == [(asked.json()["id"], "50代女性、単身。")]
    assert await db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.seq > before, AuditEvent.client_id == s.client_in.id, AuditEvent.subject == "export",
        AuditEvent.resource_type == "advice-requests")) == 1
    assert _ndjson(await client.get("/v1/exports/advice-requests", headers=world.auth("mental_care_worker"))) == []
    assert (await client.get("/v1/exports/advice-requests", headers=world.auth("peer_supporter"))).status_code == 403
