"""Issue 14: every refusal goes through the one guard and is audited the same way (action
`denied`, the refused `Action` in its detail), including the ones that used to be refused on the
side: a partner subscribing for another agency (not audited at all), a peer supporter recording a
home visit and a worker reading another worker's day (each audited its own way)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from tests.scenario import build_scenario
from tests.world import World


async def _denials(db: AsyncSession, actor: uuid.UUID, request_id: str | None = None,
                   ) -> list[tuple[str, str | None, dict[str, object] | None]]:
    # Refusals are durable (they outlive the test's rollback): other tests' refusals of the same
    # principal are in the table too, so a request's own are picked by its request id.
    stmt = select(AuditEvent).where(AuditEvent.actor_id == actor, AuditEvent.action == "denied")
    if request_id is not None:
        stmt = stmt.where(AuditEvent.request_id == request_id)
    rows = (await db.scalars(stmt.order_by(AuditEvent.id))).all()
    return [(r.resource_type, r.outcome, r.detail) for r in rows]


async def test_a_partner_subscribing_for_another_agency_is_refused_and_audited(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    response = await client.post("/v1/webhooks", headers=world.auth("partner"), json={
        "agency_id": str(world.agencies["consult"]), "url": "https://hooks.example.org/in",
        "events": ["referral.*"]})
    assert response.status_code == 403
    assert response.json()["detail"] == "A partner subscribes for its own agency only."
    assert await _denials(db, world.users["partner"], response.headers["x-request-id"]) == [
        ("webhook_subscription", "denied", {"action": "webhook.manage"})]


async def test_side_refusals_are_audited_as_the_policy_refuses_them(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    s = await build_scenario(db, world)
    visit = await client.post(f"/v1/episodes/{s.episode_in.id}/activities", headers=world.auth("peer_supporter"),
                              json={"kind": "home_visit", "occurred_at": "2010-07-21T10:00:00+09:00",
                                    "duration_minutes": 60})
    assert visit.status_code == 403
    assert visit.json()["detail"] == "Peer supporters record peer-support activities only."
    assert await _denials(db, world.users["peer_supporter"], visit.headers["x-request-id"]) == [
        ("activity", "denied", {"action": "activity.record"})]
    day = await client.get("/v1/activities", headers=world.auth("caseworker"),
                           params={"performer_id": str(world.users["mental_care_worker"])})
    assert day.status_code == 403
    assert await _denials(db, world.users["caseworker"], day.headers["x-request-id"]) == [
        ("activity", "denied", {"action": "activity.worker_day"})]
