"""Issue 18: a client's case notes (related persons, refusals, service use, risk flags) in the change
feed, to the professions who see the client only: a peer supporter on the same care team hears of
the client but never of them, as their routes answer it 403. A related person's link shows only to
who sees the linked client. Written on committed data, like tests/api/test_changes.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.db.models import CareTeamMember
from api.domain.fiscal import today_tokyo
from tests.change_feed_harness import _drain, live  # noqa: F401  (the fixture)
from tests.scenario import make_client
from tests.world import World

CASE_NOTES = ("related_person", "client_refusal", "service_use", "risk_flag")


async def test_case_notes_reach_the_professions_and_never_a_peer_supporter(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    http, created = live
    readers = ("caseworker", "mental_care_worker", "peer_supporter", "caseworker2")
    starts = {name: (await _drain(http, world.auth(name)))[1] for name in readers}
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        person = make_client("karasuyama", "記録 八子", "キロク ヤツコ")
        mother = make_client("karasuyama", "記録 母子", "キロク ハハコ")
        s.add_all([person, mother])
        await s.flush()
        since = today_tokyo() - timedelta(days=3)
        for name in ("caseworker", "mental_care_worker", "peer_supporter"):
            s.add(CareTeamMember(client_id=person.id, user_id=world.users[name], team_role=world.roles[name],
                                 from_date=since))
        s.add(CareTeamMember(client_id=mother.id, user_id=world.users["caseworker"], team_role="caseworker",
                             from_date=since))
        await s.commit()
    created += [person.id, mother.id]
    try:
        cw = world.auth("caseworker")
        base = f"/v1/clients/{person.id}"
        past = (today_tokyo() - timedelta(days=2)).isoformat()
        made = {}
        for kind, path, body in (
            ("related_person", "related-persons", {"name": "記録 母子", "relationship": "mother",
                                                   "note": "統合失調症", "linked_client_id": str(mother.id)}),
            ("client_refusal", "refusals", {"team_role": "public_health_nurse", "refused_on": past,
                                            "source": "client", "note": "保健師の訪問を拒否"}),
            ("service_use", "service-uses", {"kind": "workshop", "provider_name": "作業所 みどり",
                                             "started_on": past}),
            ("risk_flag", "risk-flags", {"code": "sudden_departure", "raised_on": past,
                                         "review_on": today_tokyo().isoformat(), "note": "急にいなくなる心配"}),
        ):
            response = await http.post(f"{base}/{path}", headers=cw, json=body)
            assert response.status_code == 201, response.text
            made[kind] = response
        reviewed = await http.patch(f"{base}/risk-flags/{made['risk_flag'].json()['id']}",
                                    json={"review_on": (today_tokyo() + timedelta(days=30)).isoformat()},
                                    headers={**cw, "If-Match": made["risk_flag"].headers["etag"]})
        assert reviewed.status_code == 200, reviewed.text

        heard = {}
        for name in readers:
            items, _ = await _drain(http, world.auth(name), starts[name])
            heard[name] = {i["resource_type"]: i for i in items
                           if i.get("client_id") in (str(person.id), str(mother.id))}
        # The caseworker hears each note as its route shows it, the flag at its latest state.
        for kind in CASE_NOTES:
            assert heard["caseworker"][kind]["id"] == made[kind].json()["id"], kind
        assert heard["caseworker"]["related_person"]["record"]["linked_client_id"] == str(mother.id)
        assert heard["caseworker"]["risk_flag"]["reason"] == "updated"
        assert heard["caseworker"]["risk_flag"]["record"]["note"] == "急にいなくなる心配"
        # The mental-care worker, on the team but not the mother's: every note, never the link.
        assert set(CASE_NOTES) <= set(heard["mental_care_worker"])
        assert heard["mental_care_worker"]["related_person"]["record"]["linked_client_id"] is None
        assert str(mother.id) not in str(heard["mental_care_worker"]["related_person"])
        # The peer supporter hears of the client, never of its case notes.
        assert "client" in heard["peer_supporter"]
        assert not set(CASE_NOTES) & set(heard["peer_supporter"])
        peer_items, _ = await _drain(http, world.auth("peer_supporter"), starts["peer_supporter"])
        assert not {i["resource_type"] for i in peer_items} & set(CASE_NOTES)
        assert all(made[k].json()["id"] not in str(peer_items) for k in CASE_NOTES)
        # Another agency's caseworker hears nothing of either client.
        assert heard["caseworker2"] == {}
    finally:
        async with engine.begin() as conn:
            ids = {"ids": [person.id, mother.id]}
            await conn.execute(text("DELETE FROM related_person_link WHERE linked_client_id = ANY(:ids)"), ids)
            for table in CASE_NOTES:
                await conn.execute(text(f"DELETE FROM {table} WHERE client_id = ANY(:ids)"), ids)
            await conn.execute(text("DELETE FROM change_log WHERE client_id = ANY(:ids)"), ids)


async def test_intakes_and_advice_requests_reach_only_who_sees_them(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    http, created = live
    readers = ("caseworker", "public_health_nurse", "mental_care_worker", "peer_supporter", "caseworker2")
    starts = {name: (await _drain(http, world.auth(name)))[1] for name in readers}
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        person = make_client("karasuyama", "相談 九子", "ソウダン キュウコ")
        s.add(person)
        await s.flush()
        for name in ("caseworker", "mental_care_worker", "peer_supporter"):
            s.add(CareTeamMember(client_id=person.id, user_id=world.users[name], team_role=world.roles[name],
                                 from_date=today_tokyo() - timedelta(days=3)))
        await s.commit()
    created.append(person.id)
    made: dict[str, str] = {}
    try:
        cw = world.auth("caseworker")
        enquiry = await http.post("/v1/intakes", headers=cw, json={
            "description": "民生委員から。", "referrer_type": "welfare_commissioner", "urgency": "soon",
            "consent_state": "not_asked", "branch_code": "karasuyama"})
        assert enquiry.status_code == 201, enquiry.text
        made["intake"] = enquiry.json()["id"]
        asked = await http.post("/v1/advice-requests", headers=cw, json={
            "specialist_id": str(world.users["public_health_nurse"]), "client_id": str(person.id),
            "subject": "服薬の声かけ", "question": "助言してほしい", "client_summary": "単身。"})
        assert asked.status_code == 201, asked.text
        made["advice_request"] = asked.json()["id"]

        heard = {}
        for name in readers:
            items, _ = await _drain(http, world.auth(name), starts[name])
            heard[name] = {(i["resource_type"], i["id"]) for i in items if i["id"] in made.values()}
        both = {("intake", made["intake"]), ("advice_request", made["advice_request"])}
        assert heard["caseworker"] == both
        assert heard["public_health_nurse"] == {("advice_request", made["advice_request"])}
        # On the client's team, but of another agency than the enquiry's and not the one asked.
        assert heard["mental_care_worker"] == set()
        assert heard["peer_supporter"] == set()
        assert heard["caseworker2"] == set()
    finally:
        async with engine.begin() as conn:
            for table, key in (("advice_request", "advice_request"), ("intake", "intake")):
                if key in made:
                    await conn.execute(text("DELETE FROM change_log WHERE resource_id = :r"), {"r": made[key]})
                    await conn.execute(text(f"DELETE FROM {table} WHERE id = :r"), {"r": made[key]})
            await conn.execute(text("DELETE FROM change_log WHERE client_id = :c"), {"c": person.id})
