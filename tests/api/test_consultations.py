"""Consultations without a client record (issue 18, item 2): a caseworker asks a specialist for
advice about a client it sees (or none); the specialist reads the asker's summary, not the client
record; the answer closes the request with its turnaround; both sides are told (webhook event and
inbox). Staff activities tied to no client count in the workload statistics."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent, WebhookDelivery, WebhookSubscription
from tests.scenario import build_scenario
from tests.world import World


async def _subscribe(db: AsyncSession, world: World, *agencies: str) -> None:
    for agency in agencies:
        db.add(WebhookSubscription(agency_id=world.agencies[agency], url=f"https://example.org/{agency}",
                                   events=["advice_request.*"], secret="whsec_dGVzdA==",
                                   created_by=world.users["admin"]))
    await db.flush()


async def test_advice_request_round_trip(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    await _subscribe(db, world, "karasuyama_kenko", "karasuyama_seikatsu")
    # The asker may only name a client it sees: another branch's client is the audited 404.
    unseen = await client.post("/v1/advice-requests", headers=world.auth("caseworker"), json={
        "specialist_id": str(world.users["public_health_nurse"]), "client_id": str(s.client_out.id),
        "subject": "相談", "question": "助言をください"})
    assert unseen.status_code == 404
    # Only a specialist can be asked.
    wrong = await client.post("/v1/advice-requests", headers=world.auth("caseworker"), json={
        "specialist_id": str(world.users["coordinator"]), "subject": "相談", "question": "助言をください"})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "body.specialist_id"

    asked = await client.post("/v1/advice-requests", headers={**world.auth("caseworker"), "Idempotency-Key": "a-1"},
                              json={"specialist_id": str(world.users["public_health_nurse"]),
                                    "client_id": str(s.client_in.id),
                                    "subject": "服薬の声かけ", "question": "専門的な視点で助言してほしい",
                                    "client_summary": "50代女性、単身。服薬の話題で緊張する。"})
    assert asked.status_code == 201, asked.text
    assert asked.headers["cache-control"] == "no-store"
    req = asked.json()
    assert req["status"] == "open"
    assert req["turnaround_minutes"] is None

    # The specialist's inbox shows it; a peer supporter has no inbox; another specialist sees nothing of it.
    inbox = await client.get("/v1/advice-requests", params={"box": "incoming"},
                             headers=world.auth("public_health_nurse"))
    assert [i["id"] for i in inbox.json()["items"]] == [req["id"]]
    assert inbox.json()["items"][0]["client_summary"] == "50代女性、単身。服薬の話題で緊張する。"
    assert (await client.get("/v1/advice-requests", headers=world.auth("peer_supporter"))).status_code == 403
    assert (await client.get(f"/v1/advice-requests/{req['id']}",
                             headers=world.auth("mental_care_worker"))).status_code == 404

    # The asker may not answer its own question.
    own = await client.post(f"/v1/advice-requests/{req['id']}/answer", json={"answer": "x"},
                            headers={**world.auth("caseworker"), "If-Match": '"1"'})
    assert own.status_code == 403
    answered = await client.post(f"/v1/advice-requests/{req['id']}/answer", json={"answer": "次回の訪問に同席します"},
                                 headers={**world.auth("public_health_nurse"), "If-Match": '"1"'})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["status"] == "answered"
    assert body["turnaround_minutes"] is not None
    assert body["turnaround_minutes"] >= 0
    again = await client.post(f"/v1/advice-requests/{req['id']}/answer", json={"answer": "再回答"},
                              headers={**world.auth("public_health_nurse"), "If-Match": f'"{body["version"]}"'})
    assert again.status_code == 409

    outbox = await client.get("/v1/advice-requests", params={"box": "outgoing", "status": "answered"},
                              headers=world.auth("caseworker"))
    assert [i["answer"] for i in outbox.json()["items"]] == ["次回の訪問に同席します"]

    # Both sides told: created to the specialist's agency, answered to the asker's.
    events = {(d.event_type, d.subscription_id) for d in (await db.scalars(
        select(WebhookDelivery).where(WebhookDelivery.resource_id == req["id"]))).all()}
    by_agency = {sub.id: sub.agency_id for sub in (await db.scalars(select(WebhookSubscription))).all()}
    assert {(t, by_agency[sid]) for t, sid in events} == {
        ("advice_request.created", world.agencies["karasuyama_kenko"]),
        ("advice_request.answered", world.agencies["karasuyama_seikatsu"])}

    # Every read names the client in the audit trail.
    reads = (await db.scalars(select(AuditEvent).where(AuditEvent.resource_type == "advice_request",
                                                        AuditEvent.action == "read"))).all()
    assert reads
    assert all(r.client_id == s.client_in.id for r in reads)


async def test_the_specialist_reads_the_summary_not_the_record(client: httpx.AsyncClient, db: AsyncSession,
                                                               world: World) -> None:
    s = await build_scenario(db, world)
    await db.flush()
    # The public health nurse is on client_in's team in the scenario; caseworker2 asks it about client_out.
    asked = await client.post("/v1/advice-requests", headers=world.auth("caseworker2"), json={
        "specialist_id": str(world.users["public_health_nurse"]), "client_id": str(s.client_out.id),
        "subject": "退院後の住まい", "question": "助言をください", "client_summary": "60代、長期入院"})
    assert asked.status_code == 201, asked.text
    seen = await client.get(f"/v1/advice-requests/{asked.json()['id']}", headers=world.auth("public_health_nurse"))
    assert seen.status_code == 200
    assert seen.json()["client_id"] == str(s.client_out.id)
    assert (await client.get(f"/v1/clients/{s.client_out.id}",
                             headers=world.auth("public_health_nurse"))).status_code == 404


async def test_staff_activities_count_in_the_workload(client: httpx.AsyncClient, db: AsyncSession,
                                                      world: World) -> None:
    made = await client.post("/v1/staff-activities", headers=world.auth("mental_care_worker"), json={
        "kind": "phone_consultation", "occurred_at": "2026-04-11T10:00:00+09:00", "duration_minutes": 25,
        "off_hours": True, "counterpart": "担当の方から（土曜日）"})
    assert made.status_code == 201, made.text
    activity = made.json()
    assert made.headers["etag"] == '"1"'
    future = await client.post("/v1/staff-activities", headers=world.auth("mental_care_worker"), json={
        "kind": "training", "occurred_at": "2999-01-01T10:00:00+09:00", "duration_minutes": 60})
    assert future.status_code == 422
    # Only its worker corrects it; the supervisor of its branch reads it.
    fixed = await client.patch(f"/v1/staff-activities/{activity['id']}", json={"duration_minutes": 30},
                               headers={**world.auth("mental_care_worker"), "If-Match": '"1"'})
    assert fixed.status_code == 200
    assert fixed.json()["duration_minutes"] == 30
    stale = await client.patch(f"/v1/staff-activities/{activity['id']}", json={"duration_minutes": 40},
                               headers={**world.auth("mental_care_worker"), "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(f"/v1/staff-activities/{activity['id']}",
                             headers=world.auth("supervisor"))).status_code == 200
    assert (await client.get(f"/v1/staff-activities/{activity['id']}",
                             headers=world.auth("caseworker"))).status_code == 404
    mine = await client.get("/v1/staff-activities", params={"kind": "phone_consultation"},
                            headers=world.auth("mental_care_worker"))
    assert [i["id"] for i in mine.json()["items"]] == [activity["id"]]

    load = await client.get("/v1/stats/workload", params={"fiscal_year_from": "2026"},
                            headers=world.auth("supervisor"))
    assert load.status_code == 200, load.text
    worker = next(w for w in load.json()["workers"] if w["worker_id"] == str(world.users["mental_care_worker"]))
    assert (worker["staff_activities"], worker["staff_activity_minutes"]) == (1, 30)
    branch = next(b for b in load.json()["branches"] if b["branch_code"] == "karasuyama")
    assert branch["staff_activities"] >= 1
