"""Issue 18: the change feed gains referrals and support-plan versions (seen per the referral scope, the receiving side
never told whose referral it is) and the tombstone a supervisor gets for each client it saw in a
branch office it no longer supervises. Written on committed data, like tests/api/test_changes.py."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.db.models import CareTeamMember, Episode, Programme, Referral, SupportPlan, UserAccount
from api.domain.fiscal import today_tokyo
from tests.change_feed_harness import _drain, live  # noqa: F401  (the fixture)
from tests.scenario import make_client
from tests.world import World


async def test_referrals_reach_the_feed_of_both_sides_and_nobody_else(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    http, created = live
    readers = ("caseworker", "coordinator", "caseworker2", "peer_supporter", "mental_care_worker")
    starts = {name: (await _drain(http, world.auth(name)))[1] for name in readers}
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        client = make_client("karasuyama", "紹介 六郎", "ショウカイ ロクロウ")
        s.add(client)
        await s.flush()
        await s.execute(text("INSERT INTO care_team_member (id, client_id, user_id, team_role, from_date) "
                             "VALUES (gen_random_uuid(), :c, :u, 'caseworker', current_date - 3)"),
                        {"c": client.id, "u": world.users["caseworker"]})
        referral = Referral(from_agency_id=world.agencies["karasuyama_seikatsu"],
                            requester_id=world.users["caseworker"], requester_kind="user",
                            to_agency_id=world.agencies["mota"], client_id=client.id,
                            purpose="consultation_support", reason="地域移行の相談", shared_fields=["name"])
        s.add(referral)
        await s.commit()
    created.append(client.id)
    try:
        async with engine.begin() as conn:  # sent: now the receiving agency's coordinator sees it
            await conn.execute(text("UPDATE referral SET status = 'requested', sent_at = now(), "
                                    "shared_snapshot = '{\"name\": \"紹介 六郎\"}', version = version + 1 "
                                    "WHERE id = :id"), {"id": referral.id})
        heard: dict[str, list[dict[str, Any]]] = {}
        for name in readers:
            items, _ = await _drain(http, world.auth(name), starts[name])
            heard[name] = [i for i in items if i["resource_type"] == "referral" and i["id"] == str(referral.id)]
        # The sender's caseworker: the referral with its client.
        assert [(i["reason"], i["client_id"], i["record"]["status"]) for i in heard["caseworker"]] == [
            ("updated", str(client.id), "requested")]
        assert heard["caseworker"][0]["record"]["client_id"] == str(client.id)
        # The receiving coordinator: the shared snapshot only, and no client id anywhere.
        assert [(i["reason"], i["client_id"]) for i in heard["coordinator"]] == [("updated", None)]
        assert "client_id" not in heard["coordinator"][0]["record"]
        assert heard["coordinator"][0]["record"]["shared_snapshot"] == {"name": "紹介 六郎"}
        # Never on either side, never on the team: nothing.
        for name in ("caseworker2", "peer_supporter", "mental_care_worker"):
            assert heard[name] == [], name
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM change_log WHERE resource_id = :r"), {"r": referral.id})
            await conn.execute(text("DELETE FROM referral WHERE id = :r"), {"r": referral.id})


async def test_a_supervisor_moved_off_a_branch_hears_one_tombstone_per_client_it_saw_there(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    """係長 of 烏山 and 北沢 loses 北沢: a tombstone for each 北沢 client it saw (one that moved away
    afterwards included), none for 烏山's, none for a client registered in 北沢 after the change or
    one that only moved into 北沢 after it."""
    http, created = live
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        supervisor = UserAccount(username=f"t.sup.{uuid.uuid4().hex[:6]}", display_name="係長 二", role="supervisor",
                                 agency_id=world.agencies["karasuyama_seikatsu"],
                                 branch_codes=["karasuyama", "kitazawa"], password_hash="x")
        s.add(supervisor)
        await s.commit()
    auth = {"Authorization": f"Bearer {world.tokens.issue_access_token(supervisor.id, 'user')[0]}"}
    try:
        _, start = await _drain(http, auth)
        async with maker() as s:
            kitazawa = make_client("kitazawa", "北沢 一", "キタザワ ハジメ")
            kitazawa_moves_later = make_client("kitazawa", "北沢 移", "キタザワ ウツル")
            karasuyama = make_client("karasuyama", "烏山 残", "カラスヤマ ノコル")
            setagaya_moves_in = make_client("setagaya", "世田谷 来", "セタガヤ キタル")
            s.add_all([kitazawa, kitazawa_moves_later, karasuyama, setagaya_moves_in])
            await s.commit()
        created += [kitazawa.id, kitazawa_moves_later.id, karasuyama.id, setagaya_moves_in.id]
        items, cursor = await _drain(http, auth, start)
        assert {i["id"] for i in items} == {str(kitazawa.id), str(kitazawa_moves_later.id), str(karasuyama.id)}

        moved = await http.patch(f"/v1/users/{supervisor.id}", headers={**world.auth("admin"), "If-Match": '"1"'},
                                 json={"branch_codes": ["karasuyama"]})
        assert moved.status_code == 200, moved.text
        async with maker() as s:
            registered_after = make_client("kitazawa", "北沢 新", "キタザワ アラタ")
            s.add(registered_after)
            await s.commit()
        created.append(registered_after.id)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE client SET branch_code = 'setagaya' WHERE id = :id"),
                               {"id": kitazawa_moves_later.id})
            await conn.execute(text("UPDATE client SET branch_code = 'kitazawa' WHERE id = :id"),
                               {"id": setagaya_moves_in.id})
        items, _ = await _drain(http, auth, cursor)
        assert sorted((i["resource_type"], i["id"], i["deleted"], i["reason"]) for i in items) == sorted([
            ("client", str(kitazawa.id), True, "out_of_scope"),
            ("client", str(kitazawa_moves_later.id), True, "out_of_scope")])
        # The change is the supervisor's own: no other reader hears of it.
        others, _ = await _drain(http, world.auth("supervisor"), cursor)
        assert not any(i["deleted"] for i in others if i["id"] in {str(kitazawa.id), str(kitazawa_moves_later.id)})
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM change_log WHERE resource_id = :u"), {"u": supervisor.id})
            await conn.execute(text("DELETE FROM user_account WHERE id = :u"), {"u": supervisor.id})


async def test_a_new_support_plan_version_reaches_its_team_through_the_feed(
        live: Any, world: World, engine: AsyncEngine) -> None:  # noqa: F811
    http, created = live
    readers = ("caseworker", "peer_supporter", "caseworker2")
    starts = {name: (await _drain(http, world.auth(name)))[1] for name in readers}
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as s:
        programme = Programme(code=f"sp_{uuid.uuid4().hex[:8]}", name_ja="方針事業", name_en="Plans",
                              operating_agency_ids=[world.agencies["karasuyama_seikatsu"]])
        client = make_client("karasuyama", "方針 七子", "ホウシン ナナコ")
        s.add_all([programme, client])
        await s.flush()
        for name in ("caseworker", "peer_supporter"):
            s.add(CareTeamMember(client_id=client.id, user_id=world.users[name], team_role=world.roles[name],
                                 from_date=today_tokyo() - timedelta(days=3)))
        episode = Episode(client_id=client.id, programme_id=programme.id, branch_code="karasuyama",
                          operating_agency_id=world.agencies["karasuyama_seikatsu"],
                          lead_worker_id=world.users["caseworker"], status="proposed", proposed_on=today_tokyo())
        s.add(episode)
        await s.flush()
        plan = SupportPlan(episode_id=episode.id, client_id=client.id, number=1, status="draft",
                           policy="本人の不安の理由", goals=["服薬"], assignments=[],
                           created_by=world.users["caseworker"])
        s.add(plan)
        await s.commit()
    created.append(client.id)
    try:
        heard = {}
        for name in readers:
            items, _ = await _drain(http, world.auth(name), starts[name])
            heard[name] = [i for i in items if i["resource_type"] == "support_plan"]
        assert [(i["id"], i["record"]["policy"]) for i in heard["caseworker"]] == [(str(plan.id), "本人の不安の理由")]
        assert [i["id"] for i in heard["peer_supporter"]] == [str(plan.id)]
        assert "policy" not in heard["peer_supporter"][0]["record"]
        assert heard["caseworker2"] == []
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM change_log WHERE client_id = :c"), {"c": client.id})
            await conn.execute(text("DELETE FROM support_plan WHERE id = :p"), {"p": plan.id})
            await conn.execute(text("DELETE FROM episode WHERE id = :e"), {"e": episode.id})
            await conn.execute(text("DELETE FROM programme WHERE id = :p"), {"p": programme.id})
