"""Issue 18's client-linked records follow the client's retention (issue 20): erasing a record
empties the words and identities of its related persons, refusals, service uses, risk flags,
support-plan versions, the intake it began as and the advice requests about it, and removes every
link between it and another client record, while the other client's own record stays whole.
The disclosure package (開示) holds the support plans, the intake and the advice requests."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    AdviceRequest,
    ClientRefusal,
    Intake,
    RelatedPerson,
    RelatedPersonLink,
    RiskFlag,
    ServiceUse,
    SupportPlan,
    SupportPlanAcknowledgement,
)
from api.domain.fiscal import today_tokyo
from api.domain.personal_data import ERASED_NAME
from api.services import record_retention
from tests.scenario import Scenario, build_scenario
from tests.world import World

# Words that identify or describe the erased person, each typed into one of the new records.
SECRETS = {
    "relative": "山田 和子", "relative_phone": "03-1111-2222", "relative_note": "統合失調症で通院中",
    "refusal_detail": "支援員との面接で語った", "refusal_note": "保健師の訪問を嫌がる",
    "use_note": "作業所で昼食をとる", "flag_note": "長くホームレス生活だった",
    "policy": "単身生活の継続を支える方針", "goal": "毎日服薬する目標", "task": "生活保護の手続きを担う",
    "question": "服薬の声かけについて専門的な助言がほしい", "summary": "50代女性、単身。服薬の話題で緊張する。",
    "subject": "服薬の声かけの相談", "answer": "次回の訪問に同席します（回答）",
    "enquiry": "民生委員から。近所とのトラブルが続いている。", "enquirer": "民生委員 田中",
    "triage": "支援対象と判断した", "enquiry_name": "中野 一郎",
}
MOTHER = {"name": SECRETS["relative"], "kana": "やまだ かずこ", "date_of_birth": "1962-03-04", "sex": "female",
          "branch_code": "karasuyama", "residence_type": "family_home", "diagnoses": ["F20"]}


def _etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    got = await response
    assert got.status_code == status, got.text
    return dict(got.json())


async def _records(client: httpx.AsyncClient, world: World, s: Scenario) -> dict[str, Any]:
    """Every kind of issue-18 record about the teenager (s.client_in), made over HTTP; and an
    enquiry converted into a client of its own."""
    cw, mcw = world.auth("caseworker"), world.auth("mental_care_worker")
    base = f"/v1/clients/{s.client_in.id}"
    mother = await _ok(client.post("/v1/clients", json=MOTHER, headers=cw))
    relative = await _ok(client.post(f"{base}/related-persons", headers=cw, json={
        "name": SECRETS["relative"], "relationship": "mother", "lives_in_household": True,
        "phone": SECRETS["relative_phone"], "note": SECRETS["relative_note"], "linked_client_id": mother["id"]}))
    # The mother's own record names the teenager as her son, linked back.
    son = await _ok(client.post(f"/v1/clients/{mother['id']}/related-persons", headers=cw, json={
        "name": "山田 太郎", "relationship": "child", "lives_in_household": True, "note": "母の記録の家族欄",
        "linked_client_id": str(s.client_in.id)}))
    past = (today_tokyo() - timedelta(days=20)).isoformat()
    refusal = await _ok(client.post(f"{base}/refusals", headers=mcw, json={
        "team_role": "public_health_nurse", "refused_on": past, "source": "client",
        "source_detail": SECRETS["refusal_detail"], "note": SECRETS["refusal_note"]}))
    use = await _ok(client.post(f"{base}/service-uses", headers=mcw, json={
        "kind": "workshop", "provider_name": "作業所 みどり", "started_on": past, "note": SECRETS["use_note"]}))
    flag = await _ok(client.post(f"{base}/risk-flags", headers=cw, json={
        "code": "sudden_departure", "raised_on": past, "review_on": today_tokyo().isoformat(),
        "note": SECRETS["flag_note"]}))
    draft = await client.post(f"/v1/episodes/{s.episode_in.id}/support-plans", headers=mcw, json={
        "policy": SECRETS["policy"], "goals": [SECRETS["goal"]],
        "assignments": [{"user_id": str(world.users["caseworker"]), "team_role": "caseworker",
                         "task": SECRETS["task"]}]})
    assert draft.status_code == 201, draft.text
    published = await client.post(f"/v1/support-plans/{draft.json()['id']}/publish", headers={**mcw, **_etag(draft)})
    assert published.status_code == 200, published.text
    assert (await client.post(f"/v1/support-plans/{draft.json()['id']}/acknowledge",
                              headers=cw)).status_code in (200, 201)
    advice = await _ok(client.post("/v1/advice-requests", headers=cw, json={
        "specialist_id": str(world.users["public_health_nurse"]), "client_id": str(s.client_in.id),
        "subject": SECRETS["subject"], "question": SECRETS["question"], "client_summary": SECRETS["summary"]}))
    await _ok(client.post(f"/v1/advice-requests/{advice['id']}/answer", json={"answer": SECRETS["answer"]},
                          headers={**world.auth("public_health_nurse"), "If-Match": '"1"'}), 200)
    enquiry = await _ok(client.post("/v1/intakes", headers=cw, json={
        "name": SECRETS["enquiry_name"], "description": SECRETS["enquiry"], "referrer_type": "welfare_commissioner",
        "referrer_name": SECRETS["enquirer"], "urgency": "soon", "consent_state": "verbal",
        "branch_code": "karasuyama", "phone": "090-9999-8888"}))
    triaged = await client.post(f"/v1/intakes/{enquiry['id']}/triage", headers={**cw, "If-Match": '"1"'},
                                json={"triage_outcome": "accept", "triage_note": SECRETS["triage"]})
    assert triaged.status_code == 200, triaged.text
    converted = await _ok(client.post(f"/v1/intakes/{enquiry['id']}/convert", headers={**cw, **_etag(triaged)},
                                      json={"residence_type": "apartment", "date_of_birth": "1965-04-01",
                                            "kana": "なかの いちろう"}))
    return {"mother": mother, "relative": relative, "son": son, "refusal": refusal, "use": use, "flag": flag,
            "plan": published.json(), "plan_etag": published.headers["etag"],
            "advice": advice, "intake": enquiry, "intake_client": converted["client"]}


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


async def test_the_disclosure_package_holds_support_plans_the_intake_and_advice_requests(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    made = await _records(client, world, s)
    package = await client.get(f"/v1/clients/{s.client_in.id}/disclosure", headers=world.auth("caseworker"))
    assert package.status_code == 200, package.text
    text = _text(package.text)
    for heading in ("支援方針", "相談受付", "専門職への助言依頼"):
        assert heading in text
    for key in ("policy", "goal", "task", "question", "summary", "answer"):
        assert SECRETS[key] in text, key
    converted = await client.get(f"/v1/clients/{made['intake_client']['id']}/disclosure",
                                 headers=world.auth("caseworker"))
    assert converted.status_code == 200, converted.text
    assert SECRETS["enquiry"] in _text(converted.text)
    assert SECRETS["triage"] in _text(converted.text)


async def test_an_erased_client_leaves_no_words_or_links_in_the_new_records(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    made = await _records(client, world, s)
    mother_id = uuid.UUID(made["mother"]["id"])
    erased_ids = [s.client_in.id, uuid.UUID(made["intake_client"]["id"])]

    assert await record_retention.erase(db, erased_ids) == 2
    await db.flush()
    db.expire_all()

    # Nothing the erased persons said or others wrote about them is left in any of the new tables.
    stored = []
    for model in (RelatedPerson, ClientRefusal, ServiceUse, RiskFlag, SupportPlan, Intake, AdviceRequest):
        rows = (await db.scalars(select(model).where(model.client_id.in_(erased_ids)))).all()  # type: ignore[attr-defined]
        assert rows, model.__tablename__
        stored += [repr({c.key: getattr(row, c.key) for c in model.__table__.columns}) for row in rows]
    for key, secret in SECRETS.items():
        assert not any(secret in row for row in stored), key
    # No link between the erased record and any other, in either direction.
    assert (await db.scalars(select(RelatedPersonLink).where(
        RelatedPersonLink.linked_client_id.in_(erased_ids)))).all() == []
    assert (await db.scalars(select(RelatedPersonLink).join(
        RelatedPerson, RelatedPerson.id == RelatedPersonLink.related_person_id).where(
        RelatedPerson.client_id.in_(erased_ids)))).all() == []
    # Who acknowledged which version stays (staff's own act, nothing about the client in it).
    assert (await db.scalars(select(SupportPlanAcknowledgement))).all()

    sv, cw = world.auth("supervisor"), world.auth("caseworker")
    base = f"/v1/clients/{erased_ids[0]}"
    relatives = await client.get(f"{base}/related-persons", headers=sv)
    assert relatives.status_code == 200, relatives.text
    assert [(p["name"], p["phone"], p["note"], p["linked_client_id"], p["relationship"])
            for p in relatives.json()] == [(None, None, None, None, "mother")]
    refusal = (await client.get(f"{base}/refusals", headers=sv)).json()
    assert [(r["team_role"], r["source_detail"]) for r in refusal] == [("public_health_nurse", None)]
    flags = (await client.get(f"{base}/risk-flags", headers=cw)).json()
    assert [(f["code"], f["note"]) for f in (flags["items"] if isinstance(flags, dict) else flags)] == [
        ("sudden_departure", None)]
    plan = await client.get(f"/v1/support-plans/{made['plan']['id']}", headers=cw)
    assert plan.status_code == 200, plan.text
    assert SECRETS["policy"] not in plan.text
    assert SECRETS["task"] not in plan.text
    assert plan.headers["etag"] != made["plan_etag"], "a cached copy is not confirmed by its old ETag"
    intake = (await client.get(f"/v1/intakes/{made['intake']['id']}", headers=cw)).json()
    assert (intake["name"], intake["description"], intake["phone"], intake["referrer_name"]) == (
        ERASED_NAME, None, None, None)
    advice = (await client.get(f"/v1/advice-requests/{made['advice']['id']}",
                               headers=world.auth("public_health_nurse"))).json()
    assert advice["client_summary"] is None
    assert SECRETS["question"] not in str(advice)
    assert SECRETS["answer"] not in str(advice)

    # The linked relative is a client of her own: her record and her own family entries stay whole,
    # only the link to the erased record is gone.
    mother = await client.get(f"/v1/clients/{mother_id}", headers=cw)
    assert mother.status_code == 200
    assert (mother.json()["name"], mother.json()["diagnoses"]) == (SECRETS["relative"], ["F20"])
    own = (await client.get(f"/v1/clients/{mother_id}/related-persons", headers=cw)).json()
    assert [(p["name"], p["note"], p["linked_client_id"]) for p in own] == [("山田 太郎", "母の記録の家族欄", None)]
