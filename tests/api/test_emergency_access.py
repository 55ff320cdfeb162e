"""Break-the-glass (issue 20): a worker outside the care team opens time-limited read access with a
reason; it shows the caseworker-level view and nothing else, expires by itself, is its own audit
action in the client's access log, sends `client.emergency_access` to the care team's and the
branch supervisors' agencies, and waits for review, where repeated use by one user shows."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent, EmergencyAccess, WebhookDelivery, WebhookSubscription
from tests.scenario import build_scenario
from tests.world import World

REASON = {"reason_code": "crisis_call", "reason_text": "夜間に本人から電話。服薬状況の確認が必要。"}


async def test_break_the_glass_grants_a_read_view_that_expires_and_is_reviewed(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    await db.flush()
    person = s.client_out  # another branch's client: caseworker (karasuyama) does not see it
    assert (await client.get(f"/v1/clients/{person.id}", headers=world.auth("caseworker"))).status_code == 404
    view = f"/v1/clients/{person.id}/emergency-view"
    assert (await client.get(view, headers=world.auth("caseworker"))).status_code == 404

    opened = await client.post("/v1/emergency-access", headers=world.auth("caseworker"),
                               json={"kana": person.kana, "date_of_birth": person.date_of_birth.isoformat(), **REASON})
    assert opened.status_code == 201, opened.text
    grant = opened.json()
    assert grant["client_id"] == str(person.id)
    assert grant["review_status"] == "pending"
    seen = await client.get(view, headers=world.auth("caseworker"))
    assert seen.status_code == 200, seen.text
    assert seen.json()["client"]["name"] == person.name
    assert "diagnoses" in seen.json()["client"], "the caseworker-level view"
    # Read only, and only through the emergency view: the ordinary record and writes stay closed.
    assert (await client.get(f"/v1/clients/{person.id}", headers=world.auth("caseworker"))).status_code == 404
    assert (await client.patch(f"/v1/clients/{person.id}", json={"phone": "03-0000-0000"},
                               headers={**world.auth("caseworker"), "If-Match": '"1"'})).status_code == 404

    audit = (await db.scalars(select(AuditEvent).where(AuditEvent.client_id == person.id,
                                                        AuditEvent.action == "emergency_access"))).all()
    assert [a.subject for a in audit] == ["crisis_call"]

    # It expires by itself.
    await db.execute(update(EmergencyAccess).where(EmergencyAccess.id == grant["id"]).values(
        opened_at=EmergencyAccess.opened_at - timedelta(hours=5),
        expires_at=EmergencyAccess.expires_at - timedelta(hours=5)))
    await db.flush()
    assert (await client.get(view, headers=world.auth("caseworker"))).status_code == 404

    # Review: the auditor sees every grant; the user's repeated use shows.
    again = await client.post("/v1/emergency-access", headers=world.auth("caseworker"),
                              json={"client_id": str(person.id), **REASON})
    assert again.status_code == 201
    queue = (await client.get("/v1/emergency-access", params={"review_status": "pending"},
                              headers=world.auth("auditor"))).json()["items"]
    mine = [i for i in queue if i["user_id"] == str(world.users["caseworker"])]
    assert len(mine) == 2
    assert {i["user_grants_90d"] for i in mine} == {2}
    reviewed = await client.post(f"/v1/emergency-access/{grant['id']}/review",
                                 json={"justified": True, "note": "夜間の緊急対応として妥当"},
                                 headers={**world.auth("auditor"), "If-Match": '"1"'})
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["review_status"] == "justified"
    # The caseworker's own supervisor reviews only grants on its branch's clients: not this one.
    assert (await client.post(f"/v1/emergency-access/{again.json()['id']}/review",
                              json={"justified": False, "note": "x"},
                              headers={**world.auth("supervisor"), "If-Match": '"1"'})).status_code == 404


async def test_the_event_reaches_the_care_team_and_branch_supervisors_agencies(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    for agency in ("karasuyama_seikatsu", "hospital"):
        db.add(WebhookSubscription(agency_id=world.agencies[agency], url=f"https://example.org/{agency}",
                                   events=["client.emergency_access"], secret="whsec_dGVzdA==",
                                   created_by=world.users["admin"]))
    await db.flush()
    opened = await client.post("/v1/emergency-access", headers=world.auth("caseworker2"),
                               json={"client_id": str(s.client_in.id), **REASON})
    assert opened.status_code == 201, opened.text
    targets = (await db.scalars(select(WebhookSubscription.agency_id).join(
        WebhookDelivery, WebhookDelivery.subscription_id == WebhookSubscription.id).where(
        WebhookDelivery.event_type == "client.emergency_access"))).all()
    assert set(targets) == {world.agencies["karasuyama_seikatsu"]}, "the team's agency, not an unrelated one"
    log = await client.get(f"/v1/clients/{s.client_in.id}/access-log", headers=world.auth("supervisor"))
    assert log.status_code == 200, log.text
    first = log.json()["items"][0]
    assert (first["action"], first["actor_name"]) == ("emergency_access", "caseworker2"), first


async def test_who_may_break_the_glass_and_bad_requests(client: httpx.AsyncClient, db: AsyncSession,
                                                        world: World) -> None:
    s = await build_scenario(db, world)
    await db.flush()
    body = {"client_id": str(s.client_out.id), **REASON}
    assert (await client.post("/v1/emergency-access", json=body,
                              headers=world.auth("peer_supporter"))).status_code == 403
    assert (await client.post("/v1/emergency-access", json=body, headers=world.auth("partner"))).status_code == 403
    own = await client.post("/v1/emergency-access", json={"client_id": str(s.client_in.id), **REASON},
                            headers=world.auth("caseworker"))
    assert own.status_code == 409, "a client one already sees needs no glass broken"
    unnamed = await client.post("/v1/emergency-access", json=REASON, headers=world.auth("caseworker"))
    assert unnamed.status_code == 422
    nobody = await client.post("/v1/emergency-access", headers=world.auth("caseworker"),
                               json={"kana": "ダレモイナイ", "date_of_birth": "1900-01-01", **REASON})
    assert nobody.status_code == 404
