"""Issue 18 items 4-6 over HTTP: related persons (a link shown only to who sees the linked client),
refusals that stop a care-team member or a referral unless overridden, service use and risk flags
for the care team only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from api.domain.fiscal import today_tokyo
from tests.resource_records import make_service
from tests.scenario import Scenario, build_scenario
from tests.world import World

MOTHER = {"name": "山田 和子", "kana": "やまだ かずこ", "date_of_birth": "1962-03-04", "sex": "female",
          "branch_code": "karasuyama", "residence_type": "family_home", "diagnoses": ["F20"]}


async def _audits(db: AsyncSession, **where: Any) -> list[AuditEvent]:
    stmt = select(AuditEvent)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return list((await db.scalars(stmt.order_by(AuditEvent.seq))).all())


async def _mother(client: httpx.AsyncClient, world: World) -> str:
    """A client only the caseworker (its creator) and the Karasuyama supervisor see."""
    created = await client.post("/v1/clients", json=MOTHER, headers=world.auth("caseworker"))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_link_is_shown_only_to_who_sees_the_linked_client(client: httpx.AsyncClient, db: AsyncSession,
                                                                  world: World) -> None:
    s = await build_scenario(db, world)
    mother_id = await _mother(client, world)
    base = f"/v1/clients/{s.client_in.id}/related-persons"
    cw, mcw, sv = world.auth("caseworker"), world.auth("mental_care_worker"), world.auth("supervisor")
    linked = await client.post(base, headers=cw, json={"name": "山田 和子", "relationship": "mother",
                                                       "lives_in_household": True, "note": "統合失調症",
                                                       "linked_client_id": mother_id})
    assert linked.status_code == 201, linked.text
    assert linked.headers["cache-control"] == "no-store"
    assert linked.json()["linked_client_id"] == mother_id
    plain = await client.post(base, headers=cw, json={"name": "山田 次郎", "relationship": "sibling",
                                                      "lives_in_household": True})
    person_id = linked.json()["id"]

    # The mental-care worker sees the teenager but not the mother: the person, never the link.
    seen_by_mcw = (await client.get(base, headers=mcw)).json()
    assert [p["linked_client_id"] for p in seen_by_mcw] == [None, None]
    one = await client.get(f"{base}/{person_id}", headers=mcw)
    assert one.json()["linked_client_id"] is None
    # Same ETag as the writer's, the same as before the link: nothing to tell a link from none.
    assert one.headers["etag"] == linked.headers["etag"] == (await client.get(f"{base}/{person_id}",
                                                                              headers=cw)).headers["etag"]
    # Unlinking an unseen link answers exactly as unlinking where there is none.
    unseen = await client.delete(f"{base}/{person_id}/link", headers=mcw)
    none = await client.delete(f"{base}/{plain.json()['id']}/link", headers=mcw)
    assert unseen.status_code == none.status_code == 404
    assert unseen.json()["detail"] == none.json()["detail"]
    # Linking to a client the writer does not see answers as a random id would.
    hidden = await client.put(f"{base}/{person_id}/link", headers=mcw, json={"linked_client_id": mother_id})
    random = await client.put(f"{base}/{person_id}/link", headers=mcw, json={"linked_client_id": str(uuid.uuid4())})
    assert hidden.status_code == random.status_code == 404
    assert hidden.json()["detail"] == random.json()["detail"]

    # The supervisor sees both clients, and so the link; its read is in the mother's access log too.
    assert (await client.get(f"{base}/{person_id}", headers=sv)).json()["linked_client_id"] == mother_id
    assert await _audits(db, client_id=uuid.UUID(mother_id), resource_type="related_person", subject="linked",
                         action="read")
    # Unlinking by the caseworker; then nobody sees a link.
    assert (await client.delete(f"{base}/{person_id}/link", headers=cw)).status_code == 204
    assert (await client.get(f"{base}/{person_id}", headers=sv)).json()["linked_client_id"] is None


async def test_related_persons_are_for_professionals_only(client: httpx.AsyncClient, db: AsyncSession,
                                                          world: World) -> None:
    s = await build_scenario(db, world)
    base = f"/v1/clients/{s.client_in.id}/related-persons"
    made = await client.post(base, headers=world.auth("caseworker"), json={"relationship": "mother"})
    assert made.status_code == 201
    assert (await client.get(base, headers=world.auth("peer_supporter"))).status_code == 403
    patched = await client.patch(f"{base}/{made.json()['id']}", json={"lives_in_household": True},
                                 headers={**world.auth("public_health_nurse"), "If-Match": made.headers["etag"]})
    assert patched.status_code == 200
    assert patched.json()["lives_in_household"] is True
    stale = await client.patch(f"{base}/{made.json()['id']}", json={"note": "x"},
                               headers={**world.auth("public_health_nurse"), "If-Match": made.headers["etag"]})
    assert stale.status_code == 412
    self_link = await client.put(f"{base}/{made.json()['id']}/link", headers=world.auth("caseworker"),
                                 json={"linked_client_id": str(s.client_in.id)})
    assert self_link.status_code == 422


async def _refuse(client: httpx.AsyncClient, world: World, s: Scenario, **target: Any) -> httpx.Response:
    response = await client.post(f"/v1/clients/{s.client_in.id}/refusals", headers=world.auth("mental_care_worker"),
                                 json={**target, "refused_on": (today_tokyo() - timedelta(days=3)).isoformat(),
                                       "source": "client", "source_detail": "支援員との面接で"})
    assert response.status_code == 201, response.text
    return response


async def test_a_refused_profession_stops_a_care_team_member_unless_overridden(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    refusal = await _refuse(client, world, s, team_role="public_health_nurse")
    team = f"/v1/clients/{s.client_in.id}/care-team"
    # The scenario's nurse is on the team already; end that, then try to add a nurse again.
    members = (await client.get(team, headers=world.auth("caseworker"))).json()
    nurse = next(m for m in members if m["team_role"] == "public_health_nurse")
    ended = await client.post(f"{team}/{nurse['id']}/end", json={"to_date": (today_tokyo() - timedelta(days=1))
                                                                 .isoformat()},
                              headers={**world.auth("caseworker"), "If-Match": f'"{nurse["version"]}"'})
    assert ended.status_code == 200, ended.text
    body = {"user_id": str(world.users["public_health_nurse"]), "team_role": "public_health_nurse"}
    refused = await client.post(team, json=body, headers={**world.auth("caseworker"), "Accept-Language": "ja"})
    assert refused.status_code == 409, refused.text
    assert "保健師" in refused.json()["detail"]
    assert "拒否" in refused.json()["detail"]
    assert refused.json()["refusals"][0]["id"] == refusal.json()["id"]
    # Another team role does not hide the profession: the user is a public health nurse.
    assert (await client.post(team, json={**body, "team_role": "other"},
                              headers=world.auth("caseworker"))).status_code == 409
    overridden = await client.post(team, json={**body, "refusal_override_reason": "本人が訪問に同意したため"},
                                   headers=world.auth("caseworker"))
    assert overridden.status_code == 201, overridden.text
    row = (await _audits(db, action="create", resource_type="care_team", resource_id=overridden.json()["id"]))[0]
    assert row.detail is not None
    assert row.detail["refusal_override"]["reason"] == "本人が訪問に同意したため"
    assert row.detail["refusal_override"]["refusal_ids"] == [refusal.json()["id"]]


async def test_an_ended_refusal_no_longer_stops_anyone(client: httpx.AsyncClient, db: AsyncSession,
                                                       world: World) -> None:
    s = await build_scenario(db, world)
    refusal = await _refuse(client, world, s, agency_id=str(world.agencies["consult"]))
    path = f"/v1/clients/{s.client_in.id}/refusals/{refusal.json()['id']}/end"
    ended = await client.post(path, json={"reason": "本人が了承", "ended_on": today_tokyo().isoformat()},
                              headers={**world.auth("caseworker"), "If-Match": refusal.headers["etag"]})
    assert ended.status_code == 200, ended.text
    assert ended.json()["active"] is False
    again = await client.post(path, json={"reason": "x"},
                              headers={**world.auth("caseworker"), "If-Match": ended.headers["etag"]})
    assert again.status_code == 409
    listed = (await client.get(f"/v1/clients/{s.client_in.id}/refusals", headers=world.auth("coordinator"))).json()
    assert [r["active"] for r in listed] == [False]
    assert (await client.get(f"/v1/clients/{s.client_in.id}/refusals",
                             headers=world.auth("peer_supporter"))).status_code == 403


async def test_a_refused_agency_stops_a_referral_unless_overridden(client: httpx.AsyncClient, db: AsyncSession,
                                                                   world: World) -> None:
    s = await build_scenario(db, world)
    refusal = await _refuse(client, world, s, agency_id=str(world.agencies["consult"]))
    body = {"to_agency_id": str(world.agencies["consult"]), "client_id": str(s.client_in.id),
            "purpose": "group_home", "reason": "グループホームを探したい", "shared_fields": ["name"]}
    refused = await client.post("/v1/referrals", json=body, headers=world.auth("caseworker"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["refusals"][0]["id"] == refusal.json()["id"]
    made = await client.post("/v1/referrals", json={**body, "refusal_override_reason": "本人と再度話し合い了承を得た"},
                             headers=world.auth("caseworker"))
    assert made.status_code == 201, made.text
    row = (await _audits(db, action="create", resource_type="referral", resource_id=made.json()["id"]))[0]
    assert row.detail is not None
    assert row.detail["refusal_override"]["reason"] == "本人と再度話し合い了承を得た"

    # A refusal recorded after the draft was made stops its sending.
    draft_body = {**body, "to_agency_id": str(world.agencies["hospital"]), "purpose": "outpatient"}
    draft = await client.post("/v1/referrals", json=draft_body, headers=world.auth("caseworker"))
    assert draft.status_code == 201, draft.text
    later = await _refuse(client, world, s, agency_id=str(world.agencies["hospital"]))
    send = {"action": "send"}
    path = f"/v1/referrals/{draft.json()['id']}/transitions"
    stopped = await client.post(path, json=send,
                                headers={**world.auth("caseworker"), "If-Match": draft.headers["etag"]})
    assert stopped.status_code == 409, stopped.text
    assert stopped.json()["refusals"][0]["id"] == later.json()["id"]


async def test_service_use_and_risk_flags_are_the_care_teams(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    s = await build_scenario(db, world)
    workshop = await make_service(db, world.agencies["consult"], name_ja="作業所 テスト",
                                  name_kana="サギョウショ テスト", category="employment_support")
    uses = f"/v1/clients/{s.client_in.id}/service-uses"
    started = (today_tokyo() - timedelta(days=20)).isoformat()
    made = await client.post(uses, headers=world.auth("mental_care_worker"),
                             json={"kind": "workshop", "service_id": str(workshop.service_id), "started_on": started,
                                   "days_per_week": 2})
    assert made.status_code == 201, made.text
    assert made.json()["provider_agency_id"] == str(world.agencies["consult"])
    assert made.json()["current"] is True
    unknown = await client.post(uses, headers=world.auth("mental_care_worker"),
                                json={"kind": "workshop", "service_id": str(uuid.uuid4()), "started_on": started})
    assert unknown.status_code == 422
    ended = await client.patch(f"{uses}/{made.json()['id']}", json={"ended_on": today_tokyo().isoformat()},
                               headers={**world.auth("caseworker"), "If-Match": made.headers["etag"]})
    assert ended.status_code == 200
    assert ended.json()["ended_on"] == today_tokyo().isoformat()

    flags = f"/v1/clients/{s.client_in.id}/risk-flags"
    raised = await client.post(flags, headers=world.auth("caseworker"),
                               json={"code": "sudden_departure", "raised_on": started,
                                     "review_on": today_tokyo().isoformat(), "note": "長くホームレス生活だった"})
    assert raised.status_code == 201, raised.text
    assert raised.json()["review_due"] is True
    for role in ("peer_supporter",):
        assert (await client.get(flags, headers=world.auth(role))).status_code == 403
        assert (await client.get(uses, headers=world.auth(role))).status_code == 403
        assert (await client.get("/v1/risk-flags/due", headers=world.auth(role))).status_code == 403
    for role in ("analyst", "admin"):
        assert (await client.get(flags, headers=world.auth(role))).status_code == 404
        assert (await client.get("/v1/risk-flags/due", headers=world.auth(role))).status_code == 403
    due = await client.get("/v1/risk-flags/due", headers=world.auth("mental_care_worker"))
    assert [f["id"] for f in due.json()["items"]] == [raised.json()["id"]]
    # caseworker2 does not see the client: not in its list.
    assert (await client.get("/v1/risk-flags/due", headers=world.auth("caseworker2"))).json()["items"] == []
    reviewed = await client.patch(f"{flags}/{raised.json()['id']}",
                                  json={"review_on": (today_tokyo() + timedelta(days=30)).isoformat()},
                                  headers={**world.auth("caseworker"), "If-Match": raised.headers["etag"]})
    assert reviewed.status_code == 200
    assert reviewed.json()["review_due"] is False
    assert (await client.get("/v1/risk-flags/due", headers=world.auth("mental_care_worker"))).json()["items"] == []
    assert await _audits(db, client_id=s.client_in.id, resource_type="risk_flag", action="read")


async def test_the_disclosure_package_holds_household_refusals_services_and_risks(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    cw = world.auth("caseworker")
    mother_id = await _mother(client, world)
    base = f"/v1/clients/{s.client_in.id}"
    assert (await client.post(f"{base}/related-persons", headers=cw, json={
        "name": "母の呼び名", "relationship": "mother", "lives_in_household": True, "note": "母親自身の病歴メモ",
        "linked_client_id": mother_id})).status_code == 201
    await _refuse(client, world, s, team_role="public_health_nurse")
    assert (await client.post(f"{base}/service-uses", headers=cw, json={
        "kind": "workshop", "provider_name": "作業所 みどり", "started_on": "2010-05-10"})).status_code == 201
    assert (await client.post(f"{base}/risk-flags", headers=cw, json={
        "code": "sudden_departure", "raised_on": "2010-01-04", "review_on": "2010-07-31"})).status_code == 201
    response = await client.get(f"{base}/disclosure", headers=cw)
    assert response.status_code == 200, response.text
    text = response.text
    for expected in ("家族・世帯", "母の呼び名", "拒否している関わり", "保健師", "本人の申し出", "利用サービス",
                     "作業所 みどり", "リスク情報", "突然いなくなるおそれ", "2010-07-31"):
        assert expected in text, expected
    # The mother's own notes and record are hers, not the client's.
    assert "母親自身の病歴メモ" not in text
    assert MOTHER["name"] not in text
