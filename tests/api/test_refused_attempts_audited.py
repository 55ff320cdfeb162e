"""Every attempt on an existing client's record is audited naming the client, 404s included
(issue 14, finding 6): it shows in that client's access log and in the auditor's search by client,
while the caller gets exactly the answer a random id gets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tests.authz.cases import ACTIVITY
from tests.scenario import Scenario, build_scenario
from tests.world import World

V1 = {"If-Match": '"1"'}


@dataclass
class Ids:
    client: uuid.UUID
    consent: uuid.UUID
    member: uuid.UUID
    episode: uuid.UUID
    goal: uuid.UUID
    referral: uuid.UUID


def attempts(ids: Ids, s: Scenario, world: World) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, request kwargs) of every route that names a client's record by id."""
    return [
        ("GET", f"/v1/clients/{ids.client}", {}),
        ("PATCH", f"/v1/clients/{ids.client}", {"json": {"phone": "03-1111-2222"}, "headers": V1}),
        ("POST", f"/v1/clients/{ids.client}/deactivate", {"json": {"reason": "転居"}, "headers": V1}),
        ("GET", f"/v1/clients/{ids.client}/access-log", {}),
        ("GET", f"/v1/clients/{ids.client}/consents", {}),
        ("POST", f"/v1/clients/{ids.client}/consents/{ids.consent}/withdraw",
         {"json": {"reason": "本人の希望"}, "headers": V1}),
        ("GET", f"/v1/clients/{ids.client}/care-team", {}),
        ("POST", f"/v1/clients/{ids.client}/care-team/{ids.member}/end", {"json": {}, "headers": V1}),
        ("GET", f"/v1/clients/{ids.client}/provisions", {}),
        ("POST", "/v1/episodes", {"json": {"client_id": str(ids.client), "programme_code": s.ward_programme.code}}),
        ("GET", f"/v1/episodes/{ids.episode}", {}),
        ("GET", f"/v1/episodes/{ids.episode}/goals", {}),
        ("PATCH", f"/v1/episodes/{ids.episode}/goals/{ids.goal}", {"json": {"status": "achieved"}, "headers": V1}),
        ("GET", f"/v1/episodes/{ids.episode}/activities", {}),
        ("POST", f"/v1/episodes/{ids.episode}/activities", {"json": ACTIVITY}),
        # A goal of the invisible client under an episode the caller does see.
        ("PATCH", f"/v1/episodes/{s.episode_in.id}/goals/{ids.goal}", {"json": {"status": "achieved"}, "headers": V1}),
        ("GET", f"/v1/referrals/{ids.referral}", {}),
        ("GET", f"/v1/referrals/{ids.referral}/messages", {}),
        ("GET", f"/v1/referrals/{ids.referral}/chain", {}),
        ("POST", "/v1/referrals", {"json": {"to_agency_id": str(world.agencies["hospital"]),
                                            "client_id": str(ids.client), "purpose": "outpatient",
                                            "reason": "通院先の相談", "shared_fields": ["name"]}}),
    ]


async def audited_clients(conn: AsyncConnection, response: httpx.Response) -> list[uuid.UUID | None]:
    rows = await conn.execute(
        text("SELECT client_id FROM audit_event WHERE request_id = :rid AND outcome <> 'success'"),
        {"rid": response.headers["x-request-id"]})
    return [r[0] for r in rows]


def comparable(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = response.json()
    body.pop("request_id", None)
    return response.status_code, body


async def test_refusals_on_an_existing_clients_record_name_the_client(
    client: httpx.AsyncClient, conn: AsyncConnection, db: AsyncSession, world: World
) -> None:
    s = await build_scenario(db, world)
    existing = Ids(s.client_out.id, s.consent_out.id, s.member_out.id, s.episode_out.id, s.goal_out.id,
                   s.referral_out.id)
    random = Ids(*(uuid.uuid4() for _ in range(6)))
    auth = world.auth("caseworker")  # not on client_out's care team
    refused = 0
    for (method, path, kw), (_, random_path, random_kw) in zip(
            attempts(existing, s, world), attempts(random, s, world), strict=True):
        real = await client.request(method, path, **{**kw, "headers": {**auth, **kw.get("headers", {})}})
        made_up = await client.request(method, random_path,
                                       **{**random_kw, "headers": {**auth, **random_kw.get("headers", {})}})
        where = f"{method} {path}"
        assert real.status_code == 404, (where, real.text)
        assert comparable(real) == comparable(made_up), where
        assert await audited_clients(conn, real) == [s.client_out.id], where
        assert await audited_clients(conn, made_up) == [None], where
        refused += 1

    # The client's access log, read by someone on its team, shows every attempt ...
    log = await client.get(f"/v1/clients/{s.client_out.id}/access-log", params={"limit": 200},
                           headers=world.auth("caseworker2"))
    assert log.status_code == 200, log.text
    by_caseworker = [e for e in log.json()["items"] if e["actor_id"] == str(world.users["caseworker"])]
    assert len(by_caseworker) == refused
    assert {e["outcome"] for e in by_caseworker} == {"not_found"}
    # ... and so does the auditor's search by client.
    found = await client.get("/v1/audit-events", params={"client_id": str(s.client_out.id), "limit": 200},
                             headers=world.auth("auditor"))
    assert found.status_code == 200, found.text
    assert len([e for e in found.json()["items"] if e["actor_id"] == str(world.users["caseworker"])]) == refused


async def test_a_refusal_by_role_names_the_client_too(
    client: httpx.AsyncClient, conn: AsyncConnection, db: AsyncSession, world: World
) -> None:
    s = await build_scenario(db, world)
    answers = []
    for named in (s.client_in.id, uuid.uuid4()):
        response = await client.post("/v1/referrals", headers=world.auth("peer_supporter"), json={
            "to_agency_id": str(world.agencies["hospital"]), "client_id": str(named), "purpose": "outpatient",
            "reason": "通院先の相談", "shared_fields": ["name"]})
        assert response.status_code == 403, response.text
        answers.append(response)
    assert comparable(answers[0]) == comparable(answers[1])
    assert await audited_clients(conn, answers[0]) == [s.client_in.id]
    assert await audited_clients(conn, answers[1]) == [None]
