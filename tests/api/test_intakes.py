"""People not yet in support (issue 18, item 3): an enquiry with what is known (no diagnosis, no
full identity), its own consent state, a triage outcome, and registration as a client through the
one client-creation use case (kana normalised, duplicate check), audited on both records; lists
scoped to the receiving agency (and a supervisor's branches); never for peer supporters."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent, Intake
from tests.scenario import build_scenario
from tests.world import World

ENQUIRY = {"name": "中野 一郎", "description": "民生委員から。アパートで一人暮らし、近所とのトラブルが続いている。",
           "referrer_type": "welfare_commissioner", "referrer_name": "民生委員", "urgency": "soon",
           "consent_state": "not_asked", "age_estimate": 60, "branch_code": "karasuyama"}


async def test_an_enquiry_with_unknown_birth_date_is_triaged_and_registered(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    cw = world.auth("caseworker")
    made = await client.post("/v1/intakes", json=ENQUIRY, headers={**cw, "Idempotency-Key": "enq-1"})
    assert made.status_code == 201, made.text
    assert made.headers["cache-control"] == "no-store"
    intake = made.json()
    assert intake["birth_date"] is None
    assert intake["triage_outcome"] == "pending"
    assert intake["status"] == "open"
    replay = await client.post("/v1/intakes", json=ENQUIRY, headers={**cw, "Idempotency-Key": "enq-1"})
    assert replay.json()["id"] == intake["id"]

    # Nothing known at all is refused; a description alone is enough.
    assert (await client.post("/v1/intakes", json={"referrer_type": "family"}, headers=cw)).status_code == 422
    assert (await client.post("/v1/intakes", json={"description": "名前不明の男性", "referrer_type": "police"},
                              headers=cw)).status_code == 201

    # Who sees it: the receiving agency's staff and its branch supervisor; not another agency's
    # caseworker, never a peer supporter.
    path = f"/v1/intakes/{intake['id']}"
    assert (await client.get(path, headers=world.auth("supervisor"))).status_code == 200
    assert (await client.get(path, headers=world.auth("caseworker2"))).status_code == 404
    assert (await client.get(path, headers=world.auth("peer_supporter"))).status_code == 403
    assert (await client.get("/v1/intakes", headers=world.auth("peer_supporter"))).status_code == 403
    listed = await client.get("/v1/intakes", params={"status": "open", "urgency": "soon"}, headers=cw)
    assert [i["id"] for i in listed.json()["items"]] == [intake["id"]]
    assert (await client.get("/v1/intakes", headers=world.auth("caseworker2"))).json()["items"] == []

    # What became known; the consent state is the enquiry's own.
    updated = await client.patch(path, json={"kana": "なかの いちろう", "consent_state": "verbal",
                                             "consent_noted_on": "2026-04-02"},
                                 headers={**cw, "If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert updated.json()["kana"] == "ナカノ イチロウ"
    triaged = await client.post(f"{path}/triage", json={"triage_outcome": "accept", "triage_note": "支援対象"},
                                headers={**cw, "If-Match": '"2"'})
    assert triaged.status_code == 200
    assert triaged.json()["triaged_by"] == str(world.users["caseworker"])

    # Registration needs a birth date now: the enquiry had none.
    missing = await client.post(f"{path}/convert", json={"residence_type": "apartment"},
                                headers={**cw, "If-Match": '"3"'})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["body.date_of_birth"]
    # A nurse may triage but not register a client.
    assert (await client.post(f"{path}/convert", json={"residence_type": "apartment"},
                              headers={**world.auth("public_health_nurse"), "If-Match": '"3"'})).status_code == 403
    converted = await client.post(f"{path}/convert",
                                  json={"residence_type": "apartment", "date_of_birth": "1965-04-01"},
                                  headers={**cw, "If-Match": '"3"'})
    assert converted.status_code == 201, converted.text
    result = converted.json()
    new_client = result["client"]
    assert converted.headers["location"] == f"/v1/clients/{new_client['id']}"
    assert (new_client["name"], new_client["kana"], new_client["branch_code"], new_client["sex"]) == (
        "中野 一郎", "ナカノ イチロウ", "karasuyama", "unknown")
    assert new_client["notes"] == ENQUIRY["description"]
    assert result["intake"]["client_id"] == new_client["id"]
    assert result["intake"]["status"] == "converted"
    # The creator joins the care team and reads the record as usual.
    assert (await client.get(f"/v1/clients/{new_client['id']}", headers=cw)).status_code == 200
    # A converted enquiry is closed to changes.
    assert (await client.patch(path, json={"urgency": "urgent"},
                               headers={**cw, "If-Match": f'"{result["intake"]["version"]}"'})).status_code == 409

    # Audited on both records: the client's creation and the enquiry's conversion name the client.
    audit = (await db.scalars(select(AuditEvent).where(AuditEvent.client_id == new_client["id"]))).all()
    assert {("create", "client"), ("update", "intake")} <= {(a.action, a.resource_type) for a in audit}
    reads = (await db.scalars(select(AuditEvent).where(AuditEvent.resource_type == "intake",
                                                        AuditEvent.action == "read",
                                                        AuditEvent.outcome == "success"))).all()
    assert reads, "reads of an enquiry are audited"


async def test_registration_goes_through_the_duplicate_check(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    s = await build_scenario(db, world)
    await db.flush()
    cw = world.auth("caseworker")
    # An enquiry about someone who turns out to be client_in already.
    made = await client.post("/v1/intakes", headers=cw, json={
        "name": s.client_in.name, "kana": s.client_in.kana, "birth_date": s.client_in.date_of_birth.isoformat(),
        "referrer_type": "hospital", "branch_code": "karasuyama"})
    assert made.status_code == 201, made.text
    intake = made.json()
    dup = await client.post(f"/v1/intakes/{intake['id']}/convert", json={"residence_type": "apartment"},
                            headers={**cw, "If-Match": '"1"'})
    assert dup.status_code == 409
    assert dup.json()["candidates"][0]["id"] == str(s.client_in.id)
    still = await db.scalar(select(Intake.status).where(Intake.id == intake["id"]))
    assert still == "open"


async def test_intake_statistics_are_suppressed_like_the_others(client: httpx.AsyncClient, world: World) -> None:
    for n in range(2):
        made = await client.post("/v1/intakes", headers=world.auth("caseworker"),
                                 json={"description": f"相談{n}", "referrer_type": "family"})
        assert made.status_code == 201
    stats = await client.get("/v1/stats/intakes", headers=world.auth("analyst"))
    assert stats.status_code == 200, stats.text
    body = stats.json()
    # Two enquiries: a small count, hidden; no median behind fewer than the threshold.
    assert body["received"]["suppressed"] is True
    assert body["median_days_to_conversion"] is None
    assert set(body["by_triage_outcome"]) >= {"pending", "accept"}
    assert (await client.get("/v1/stats/intakes", headers=world.auth("caseworker"))).status_code == 403
