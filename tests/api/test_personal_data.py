"""The personal-data lifecycle (issue 20): the disclosure package holds everything about one client
in Japanese; correction requests are recorded, decided and kept as the field's history; the
retention schedule erases records in place after the period, lists them first in a dry run, and
leaves statistics' rows, provision records and the audit trail standing."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Activity,
    AuditEvent,
    CareTeamMember,
    Client,
    Decision,
    Episode,
    Referral,
    ThirdPartyProvision,
)
from api.domain.fiscal import today_tokyo
from api.domain.personal_data import ERASED_NAME, erasure_due_on
from api.services import record_retention as retention_service
from tests.scenario import Scenario, build_scenario, make_client
from tests.world import World


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


async def _scenario(db: AsyncSession, world: World) -> Scenario:
    scenario = await build_scenario(db, world)
    await db.flush()
    return scenario


async def test_the_disclosure_package_holds_everything_in_japanese(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await _scenario(db, world)
    person = s.client_in
    person.name = "佐藤 <script>alert(1)</script>"
    db.add(Decision(episode_id=s.episode_in.id, action="start", decided_on=date(2010, 7, 21), body="支援会議",
                    decision="居宅生活安定化支援の開始を決定", notes="本人は外出の機会を増やしたいと話した"))
    db.add(ThirdPartyProvision(client_id=person.id, recipient_agency_id=world.agencies["hospital"],
                               referral_id=s.referral_in.id, data_items=["name"], data_categories=["identity"],
                               purpose=s.referral_in.purpose, consent_id=s.consent_in.id,
                               provided_by=world.users["caseworker"], provided_by_kind="user",
                               provided_by_name="ケースワーカー",
                               provider_agency_id=world.agencies["karasuyama_seikatsu"]))
    await db.flush()
    assert (await client.get(f"/v1/clients/{person.id}", headers=world.auth("caseworker"))).status_code == 200

    response = await client.get(f"/v1/clients/{person.id}/disclosure", headers=world.auth("caseworker"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert "<script>alert(1)</script>" not in html, "every value is escaped"
    text = _text(html)
    for expected in ("保有個人データ開示書", "本人情報", "佐藤 <script>alert(1)</script>", person.kana,
                     "同意の記録", s.consent_in.given_on.isoformat(), "居宅生活安定化支援の開始を決定",
                     "本人は外出の機会を増やしたいと話した", s.goal_in.text, "紹介・依頼", "第三者提供の記録",
                     "アクセス記録", "閲覧"):
        assert expected in text, expected
    if s.activity_in.note:
        assert s.activity_in.note in text
    audit = (await db.scalars(select(AuditEvent).where(AuditEvent.client_id == person.id,
                                                        AuditEvent.action == "disclose"))).all()
    assert len(audit) == 1

    assert (await client.get(f"/v1/clients/{person.id}/disclosure",
                             headers=world.auth("mental_care_worker"))).status_code == 403
    assert (await client.get(f"/v1/clients/{s.client_out.id}/disclosure",
                             headers=world.auth("caseworker"))).status_code == 404


async def test_a_correction_is_recorded_decided_and_kept_as_the_fields_history(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await _scenario(db, world)
    person = s.client_in
    old_name = person.name
    path = f"/v1/clients/{person.id}/corrections"
    bad = await client.post(path, headers=world.auth("caseworker"), json={
        "field": "kana", "requested_value": "sato", "reason": "読みの誤り", "received_on": "2010-08-02"})
    assert bad.status_code == 422
    asked = await client.post(path, headers=world.auth("caseworker"), json={
        "field": "name", "requested_value": "佐藤 正之", "reason": "漢字の誤り（本人の申出）",
        "received_on": "2010-08-02"})
    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "requested"
    decision = f"{path}/{asked.json()['id']}/decision"
    body = {"decision": "accept", "reason": "住民票で確認"}
    assert (await client.post(decision, json=body, headers={**world.auth("caseworker"),
                                                            "If-Match": asked.headers["etag"]})).status_code == 403
    assert (await client.post(decision, json=body, headers={**world.auth("supervisor")})).status_code == 428
    accepted = await client.post(decision, json=body, headers={**world.auth("supervisor"),
                                                               "If-Match": asked.headers["etag"]})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["old_value"], accepted.json()["new_value"]) == (
        "accepted", old_name, "佐藤 正之")
    record = (await client.get(f"/v1/clients/{person.id}", headers=world.auth("caseworker"))).json()
    assert record["name"] == "佐藤 正之"
    again = await client.post(decision, json=body, headers={**world.auth("supervisor"),
                                                            "If-Match": accepted.headers["etag"]})
    assert again.status_code == 409

    refused = await client.post(path, headers=world.auth("caseworker"), json={
        "field": "name", "requested_value": "佐藤 昌之", "reason": "別の表記", "received_on": "2010-08-10"})
    rejected = await client.post(f"{path}/{refused.json()['id']}/decision",
                                 json={"decision": "reject", "reason": "住民票の表記と異なる"},
                                 headers={**world.auth("supervisor"), "If-Match": refused.headers["etag"]})
    assert rejected.json()["new_value"] == "佐藤 正之"
    history = (await client.get(path, params={"field": "name"}, headers=world.auth("caseworker"))).json()
    assert [(h["status"], h["old_value"], h["new_value"]) for h in history] == [
        ("accepted", old_name, "佐藤 正之"), ("rejected", "佐藤 正之", "佐藤 正之")]
    updates = (await db.scalars(select(AuditEvent.action).where(
        AuditEvent.client_id == person.id, AuditEvent.resource_type == "client", AuditEvent.action == "update"))).all()
    assert len(updates) == 1, "the accepted correction is a client update like any other"


async def test_retention_lists_then_erases_in_place_and_keeps_what_must_stay(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await _scenario(db, world)
    today = today_tokyo()
    old = make_client("karasuyama", "古川 昭", "フルカワ アキラ", born=date(1950, 3, 3))
    old.phone, old.notes = "03-0000-9999", "長期入院の後、アパートで単身生活"
    db.add(old)
    await db.flush()
    db.add(CareTeamMember(client_id=old.id, user_id=world.users["caseworker"], team_role="caseworker",
                          from_date=today - timedelta(days=3000)))
    closed = Episode(client_id=old.id, programme_id=s.programme.id, branch_code="karasuyama",
                     operating_agency_id=world.agencies["karasuyama_seikatsu"], status="finished",
                     proposed_on=today - timedelta(days=3000), started_on=today - timedelta(days=2900),
                     ended_on=today - timedelta(days=6 * 366), closure_reason="goal_achieved",
                     living_situation_at_closure="アパートで単身生活")
    db.add(closed)
    await db.flush()
    db.add(Activity(client_id=old.id, episode_id=closed.id, kind="home_visit", occurred_at=closed.created_at,
                    duration_minutes=60, performer_id=world.users["caseworker"], note="服薬の確認"))
    referral = Referral(from_agency_id=world.agencies["karasuyama_seikatsu"], requester_id=world.users["caseworker"],
                        requester_kind="user", to_agency_id=world.agencies["hospital"], client_id=old.id,
                        purpose="outpatient", reason="通院先の相談", status="completed", shared_fields=["name"],
                        shared_snapshot={"name": "古川 昭"}, consent_id=s.consent_in.id)
    db.add(referral)
    await db.flush()
    db.add(ThirdPartyProvision(client_id=old.id, recipient_agency_id=world.agencies["hospital"],
                               referral_id=referral.id, data_items=["name"], data_categories=["identity"],
                               purpose="outpatient", consent_id=s.consent_in.id, provided_by=world.users["caseworker"],
                               provided_by_kind="user", provided_by_name="ケースワーカー",
                               provider_agency_id=world.agencies["karasuyama_seikatsu"]))
    await db.flush()

    preview = await client.get("/v1/retention/due", headers=world.auth("supervisor"))
    assert preview.status_code == 200, preview.text
    due_ids = [i["client_id"] for i in preview.json()["items"]]
    assert str(old.id) in due_ids
    assert str(s.client_in.id) not in due_ids, "an open episode is never due"
    assert (await client.get("/v1/retention/due", headers=world.auth("caseworker"))).status_code == 403
    episodes_before = await db.scalar(select(func.count()).select_from(Episode))

    erased = await retention_service.run(db, today, 5, apply=True)
    assert old.id in [e.client_id for e in erased]
    await db.refresh(old)
    assert (old.name, old.phone, old.notes, old.active) == (ERASED_NAME, None, None, False)
    assert old.date_of_birth == date(1950, 7, 1)
    assert old.erased_at is not None
    assert await db.scalar(select(Activity.note).where(Activity.client_id == old.id)) is None
    assert await db.scalar(select(Referral.shared_snapshot).where(Referral.id == referral.id)) == {}
    assert await db.scalar(select(func.count()).select_from(ThirdPartyProvision).where(
        ThirdPartyProvision.client_id == old.id)) == 1
    assert await db.scalar(select(func.count()).select_from(Episode)) == episodes_before
    assert await db.scalar(select(Episode.closure_reason).where(Episode.id == closed.id)) == "goal_achieved"
    assert await db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.client_id == old.id, AuditEvent.action == "erase")) == 1
    # Erased once: the next run finds nothing more to do for this record.
    assert old.id not in [e.client_id for e in await retention_service.due(db, today, 5)]
    assert s.client_in.id in {c for c in (await db.scalars(select(Client.id))).all()}


def test_erasure_falls_due_years_after_the_last_close_and_never_while_open() -> None:
    assert erasure_due_on(date(2010, 3, 31), None, 0, 5) == date(2015, 3, 31)
    assert erasure_due_on(date(2012, 2, 29), None, 0, 5) == date(2017, 2, 28)
    assert erasure_due_on(None, date(2011, 1, 1), 0, 5) == date(2016, 1, 1)
    assert erasure_due_on(date(2010, 3, 31), None, 1, 5) is None
    assert erasure_due_on(None, None, 0, 5) is None
