"""Issue 18, item 7: the support plan the care team shares, versioned, immutable once published,
acknowledged by each member, with who has not yet read the current version."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.db.models import AuditEvent
from api.demo.load import seed_all
from api.main import create_app
from tests.scenario import build_scenario
from tests.world import World

PLAN = {"policy": "単身生活の継続を支える。服薬が途切れがちな理由は本人の不安にある。",
        "goals": ["毎日服薬する"],
        "assignments": [{"team_role": "caseworker", "task": "生活保護の手続き"}]}


def _if_match(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def test_draft_edit_publish_then_immutable(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    scenario = await build_scenario(db, world)
    episode = scenario.episode_in
    mcw = world.auth("mental_care_worker")
    plan = {**PLAN, "assignments": [*PLAN["assignments"],  # type: ignore[list-item]
                                    {"user_id": str(world.users["caseworker"]), "team_role": "caseworker",
                                     "task": "月1回の方針確認"}]}
    key = {"Idempotency-Key": f"plan-{uuid.uuid4()}"}
    draft = await client.post(f"/v1/episodes/{episode.id}/support-plans", json=plan, headers={**mcw, **key})
    assert draft.status_code == 201, draft.text
    assert draft.headers["cache-control"] == "no-store"
    assert (draft.json()["number"], draft.json()["status"], draft.json()["current"]) == (1, "draft", False)
    second = await client.post(f"/v1/episodes/{episode.id}/support-plans", json=PLAN, headers=mcw)
    assert second.status_code == 409  # one draft at a time

    plan_url = f"/v1/support-plans/{draft.json()['id']}"
    edited = await client.patch(plan_url, json={"goals": ["毎日服薬する", "週1回買い物に行く"]},
                                headers={**mcw, **_if_match(draft)})
    assert edited.status_code == 200, edited.text
    stale = await client.patch(plan_url, json={"policy": "古い版から"}, headers={**mcw, **_if_match(draft)})
    assert stale.status_code == 412
    published = await client.post(f"{plan_url}/publish", headers={**mcw, **_if_match(edited)})
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["status"], body["current"], body["acknowledged_by_me"]) == ("published", True, True)
    changed = await client.patch(plan_url, json={"policy": "書き換え"}, headers={**mcw, **_if_match(published)})
    assert changed.status_code == 409
    again = await client.post(f"{plan_url}/publish", headers={**mcw, **_if_match(published)})
    assert again.status_code == 409

    # Peer supporters read who does what and the goals, never the policy's reasoning.
    peer = (await client.get(plan_url, headers=world.auth("peer_supporter"))).json()
    assert "policy" not in peer
    assert peer["goals"] == ["毎日服薬する", "週1回買い物に行く"]
    assert [a["task"] for a in peer["assignments"]] == ["生活保護の手続き", "月1回の方針確認"]
    assert (await client.patch(plan_url, json={"policy": "x"}, headers={**world.auth("peer_supporter"),
                                                                       **_if_match(published)})).status_code == 403
    # Someone who cannot see the episode hears nothing of it.
    assert (await client.get(plan_url, headers=world.auth("caseworker2"))).status_code == 404
    versions = await client.get(f"/v1/episodes/{episode.id}/support-plans", headers=mcw)
    assert [v["number"] for v in versions.json()["items"]] == [1]
    reads = (await db.scalars(select(AuditEvent.action).where(AuditEvent.client_id == episode.client_id,
                                                              AuditEvent.resource_type == "support_plan"))).all()
    assert {"create", "update", "publish", "read"} <= set(reads)


async def test_an_assignment_names_only_current_team_members(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    scenario = await build_scenario(db, world)
    stranger = {**PLAN, "assignments": [{"user_id": str(world.users["caseworker2"]), "team_role": "caseworker",
                                         "task": "訪問"}]}
    refused = await client.post(f"/v1/episodes/{scenario.episode_in.id}/support-plans", json=stranger,
                                headers=world.auth("caseworker"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "body.assignments.0.user_id"


async def test_scene_sharing_the_plan_with_the_caseworker(server_url: str, tmp_path: Path) -> None:
    """「ケースワーカーとの支援方針の共有が難しい」: 鈴木 久美子's plan, published by the mental-care
    worker, is listed as not read by her caseworker until the caseworker acknowledges it; a new
    version starts unread again by everyone but its publisher."""
    name = f"iko_demo_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    app = None
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        app = create_app(Settings(database_url=url, data_dir=tmp_path, run_background_workers=False,
                                  log_level="WARNING", stats_snapshot_seconds=0))
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            refs = await seed_all(session)
            await session.commit()

        def auth(username: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {app.state.tokens.issue_access_token(refs.users[username], 'user')[0]}"}

        episode_id = refs.extra["episodes"]["c02:home_stabilisation"]
        readers_url = f"/v1/episodes/{episode_id}/support-plans/current/readers"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            readers = (await http.get(readers_url, headers=auth("mcw.karasuyama"))).json()
            assert [r["user_id"] for r in readers["unread"]] == [str(refs.users["cw.karasuyama"])]
            assert {r["user_id"] for r in readers["acknowledged"]} == {
                str(refs.users["mcw.karasuyama"]), str(refs.users["phn.karasuyama"])}
            plan_id = readers["plan_id"]

            read = await http.post(f"/v1/support-plans/{plan_id}/acknowledge", headers=auth("cw.karasuyama"))
            assert read.status_code == 200, read.text
            assert read.json()["acknowledged_by_me"] is True
            readers = (await http.get(readers_url, headers=auth("cw.karasuyama"))).json()
            assert readers["unread"] == []

            mcw = auth("mcw.karasuyama")
            draft = await http.post(f"/v1/episodes/{episode_id}/support-plans", headers=mcw, json={
                "policy": "訪問を週2回に増やし、服薬の確認をケースワーカーと分担する。",
                "goals": ["毎日決まった時間に服薬する"],
                "assignments": [{"user_id": str(refs.users["cw.karasuyama"]), "team_role": "caseworker",
                                 "task": "月2回の同行訪問"}]})
            assert draft.status_code == 201, draft.text
            published = await http.post(f"/v1/support-plans/{draft.json()['id']}/publish",
                                        headers={**mcw, **_if_match(draft)})
            assert published.status_code == 200, published.text
            readers = (await http.get(readers_url, headers=mcw)).json()
            assert readers["number"] == 2
            assert {r["user_id"] for r in readers["unread"]} == {
                str(refs.users["cw.karasuyama"]), str(refs.users["phn.karasuyama"])}
            # The old version is no longer the one to read.
            old = await http.post(f"/v1/support-plans/{plan_id}/acknowledge", headers=auth("phn.karasuyama"))
            assert old.status_code == 409
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)
