"""Concurrency on the real database: 50 requests at once, each on its own pooled connection and
transaction (not the rolled-back test transaction). The records are made for each test in the
robustness database, which is dropped at the end of the run."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.db.engine import create_engine
from api.db.models import AuditEvent, CareTeamMember, Client, Episode, EpisodeStatusChange
from tests.robustness.conftest import Committed
from tests.scenario import make_client

N = 50


async def _fresh_episode(committed: Committed) -> tuple[uuid.UUID, uuid.UUID]:
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session:
            client = make_client("karasuyama", f"並行 {uuid.uuid4().hex[:6]}", "ヘイコウ タロウ")
            session.add(client)
            await session.flush()
            session.add(CareTeamMember(client_id=client.id, user_id=committed.world.users["caseworker"],
                                       team_role="caseworker", from_date=date.today() - timedelta(days=3)))
            episode = Episode(
                client_id=client.id, programme_id=committed.scenario.ward_programme.id, branch_code="karasuyama",
                operating_agency_id=committed.world.agencies["karasuyama_seikatsu"],
                lead_worker_id=committed.world.users["caseworker"], status="active",
                proposed_on=date.today() - timedelta(days=3), started_on=date.today() - timedelta(days=3),
                planned_end=date.today() + timedelta(days=300),
            )
            session.add(episode)
            await session.commit()
            return client.id, episode.id
    finally:
        await engine.dispose()


async def test_concurrent_transitions_with_one_etag_exactly_one_wins(
    committed: Committed, committed_client: httpx.AsyncClient
) -> None:
    _, episode_id = await _fresh_episode(committed)
    auth = committed.world.auth("supervisor")
    etag = (await committed_client.get(f"/v1/episodes/{episode_id}", headers=auth)).headers["etag"]

    async def hold() -> httpx.Response:
        return await committed_client.post(f"/v1/episodes/{episode_id}/transitions", headers={**auth, "If-Match": etag},
                                           json={"action": "hold", "reason": "入院", "readmission": True})

    responses = await asyncio.gather(*(hold() for _ in range(N)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (N - 1), statuses
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in responses
               if r.status_code == 412)
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with async_sessionmaker(engine)() as session:
            episode = await session.get(Episode, episode_id)
            assert episode is not None
            assert (episode.status, episode.version) == ("on_hold", int(etag.strip('"')) + 1)
            changes = await session.scalar(select(func.count()).select_from(EpisodeStatusChange)
                                           .where(EpisodeStatusChange.episode_id == episode_id,
                                                  EpisodeStatusChange.to_status == "on_hold"))
            assert changes == 1
    finally:
        await engine.dispose()


async def test_concurrent_client_updates_with_one_etag_exactly_one_wins(
    committed: Committed, committed_client: httpx.AsyncClient
) -> None:
    client_id, _ = await _fresh_episode(committed)
    auth = committed.world.auth("caseworker")
    etag = (await committed_client.get(f"/v1/clients/{client_id}", headers=auth)).headers["etag"]
    responses = await asyncio.gather(*(
        committed_client.patch(f"/v1/clients/{client_id}", headers={**auth, "If-Match": etag},
                               json={"notes": f"writer {i}"})
        for i in range(N)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (N - 1), statuses
    winner = next(r for r in responses if r.status_code == 200).json()["notes"]
    final = await committed_client.get(f"/v1/clients/{client_id}", headers=auth)
    assert final.json()["notes"] == winner  # the one that answered 200 is the one that stuck


async def test_concurrent_creates_with_one_idempotency_key_make_one_record(
    committed: Committed, committed_client: httpx.AsyncClient
) -> None:
    name = f"冪等 {uuid.uuid4().hex[:8]}"
    body = {"name": name, "kana": "ベキトウ ハナコ", "date_of_birth": "1960-01-02", "sex": "female",
            "branch_code": "karasuyama", "residence_type": "apartment"}
    headers = {**committed.world.auth("caseworker"), "Idempotency-Key": f"k-{uuid.uuid4().hex}"}
    responses = await asyncio.gather(*(committed_client.post("/v1/clients", headers=headers, json=body)
                                       for _ in range(N)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1  # the first response and every replay name the same record
    assert sum(1 for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers) == 1
    engine = create_engine(committed.url, committed.settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Client).where(Client.name == name)) == 1
    finally:
        await engine.dispose()


async def test_concurrent_audited_requests_all_land_in_the_verified_log(
    committed: Committed, committed_client: httpx.AsyncClient
) -> None:
    """Audited requests overlap freely (no lock between them); once sealed, every one of their rows
    is a leaf of the log, the log verifies, and nothing is left unsealed."""
    from api.security import KeyRing
    from api.services.audit_check import verify_log
    from api.services.audit_sealer import AuditSealer

    client_id, _ = await _fresh_episode(committed)
    auth = committed.world.auth("caseworker")
    responses = await asyncio.gather(*(committed_client.get(f"/v1/clients/{client_id}", headers=auth)
                                       for _ in range(N)))
    assert {r.status_code for r in responses} == {200}
    engine = create_engine(committed.url, committed.settings, pool_size=2)
    keys = KeyRing.from_settings(committed.settings)
    try:
        size = await AuditSealer(engine, committed.settings, keys).seal_until_current()
        async with engine.connect() as conn:
            report = await verify_log(conn, keys, committed.settings.audit_log_origin, max_unsealed_age_s=0.001)
            reads = await conn.scalar(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.client_id == client_id, AuditEvent.action == "read"))
    finally:
        await engine.dispose()
    assert report.ok, report.problems
    assert reads == N
    assert size == report.leaves >= N
