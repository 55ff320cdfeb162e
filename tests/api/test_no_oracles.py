"""No existence oracles (issue 14, finding 5): a client-chosen id that is taken answers the same,
and says nothing more than "choose another id", whether or not the caller may see the record
that has it; an onward referral takes its client from its parent, never from a client id the
partner names."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Referral
from tests.authz.cases import ACTIVITY, CONSENT
from tests.scenario import Scenario, build_scenario
from tests.world import World

NEW_CLIENT = {"name": "新規 太郎", "kana": "しんき たろう", "date_of_birth": "1975-04-01", "sex": "male",
              "branch_code": "karasuyama", "residence_type": "apartment", "confirm_not_duplicate": True}


async def _created_id(response: httpx.Response) -> uuid.UUID:
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def _activity_ids(client: httpx.AsyncClient, world: World, s: Scenario) -> tuple[uuid.UUID, uuid.UUID]:
    visible = s.activity_in.id
    invisible = await _created_id(await client.post(f"/v1/episodes/{s.episode_out.id}/activities", json=ACTIVITY,
                                                    headers=world.auth("caseworker2")))
    return visible, invisible


async def _message_ids(client: httpx.AsyncClient, world: World, s: Scenario) -> tuple[uuid.UUID, uuid.UUID]:
    visible = await _created_id(await client.post(f"/v1/referrals/{s.referral_in.id}/messages",
                                                  json={"body": "日程は?"}, headers=world.auth("caseworker")))
    invisible = await _created_id(await client.post(f"/v1/referrals/{s.referral_out.id}/messages",
                                                    json={"body": "日程は?"}, headers=world.auth("caseworker2")))
    return visible, invisible


IdPair = Callable[[httpx.AsyncClient, World, Scenario], Awaitable[tuple[uuid.UUID, uuid.UUID]]]


def _pair(visible: str, invisible: str) -> IdPair:
    async def ids(client: httpx.AsyncClient, world: World, s: Scenario) -> tuple[uuid.UUID, uuid.UUID]:
        return getattr(s, visible).id, getattr(s, invisible).id

    return ids


# (what, ids of a visible and an invisible record of that kind, path to create one at, body)
CREATES: list[tuple[str, IdPair, Callable[[Scenario, World], str], Callable[[Scenario, World], dict[str, Any]]]] = [
    ("client", _pair("client_in", "client_out"), lambda s, w: "/v1/clients", lambda s, w: dict(NEW_CLIENT)),
    ("consent", _pair("consent_in", "consent_out"), lambda s, w: f"/v1/clients/{s.client_in.id}/consents",
     lambda s, w: dict(CONSENT)),
    ("episode", _pair("episode_in", "episode_out"), lambda s, w: "/v1/episodes",
     lambda s, w: {"client_id": str(s.client_in.id), "programme_code": s.ward_programme.code}),
    ("goal", _pair("goal_in", "goal_out"), lambda s, w: f"/v1/episodes/{s.episode_in.id}/goals",
     lambda s, w: {"text": "買い物に行く"}),
    ("activity", _activity_ids, lambda s, w: f"/v1/episodes/{s.episode_in.id}/activities",
     lambda s, w: dict(ACTIVITY)),
    ("referral", _pair("referral_in", "referral_out"), lambda s, w: "/v1/referrals",
     lambda s, w: {"to_agency_id": str(w.agencies["hospital"]), "client_id": str(s.client_in.id),
                   "purpose": "outpatient", "reason": "通院先の相談", "shared_fields": ["name"]}),
    ("message", _message_ids, lambda s, w: f"/v1/referrals/{s.referral_in.id}/messages",
     lambda s, w: {"body": "見学の日程は?"}),
]


def _comparable(response: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    body: dict[str, Any] = response.json()
    body.pop("request_id", None)
    return response.status_code, response.headers["content-type"], body


@pytest.mark.parametrize(("what", "ids", "path", "body"), CREATES, ids=[c[0] for c in CREATES])
async def test_a_taken_id_answers_the_same_whether_or_not_its_record_is_visible(
    what: str, ids: IdPair, path: Callable[[Scenario, World], str], body: Callable[[Scenario, World], dict[str, Any]],
    client: httpx.AsyncClient, db: AsyncSession, world: World,
) -> None:
    s = await build_scenario(db, world)
    visible, invisible = await ids(client, world, s)
    auth = world.auth("caseworker")
    assert (await client.get(f"/v1/clients/{s.client_out.id}", headers=auth)).status_code == 404
    answers: dict[str, httpx.Response] = {}
    timings: dict[str, float] = {"visible": float("inf"), "invisible": float("inf")}
    for _ in range(3):  # interleaved, best of three: the machine's load is not the record's
        for label, taken in (("visible", visible), ("invisible", invisible)):
            started = time.perf_counter()
            answers[label] = await client.post(path(s, world), json={**body(s, world), "id": str(taken)},
                                               headers=auth)
            timings[label] = min(timings[label], time.perf_counter() - started)
    assert _comparable(answers["visible"]) == _comparable(answers["invisible"])
    status, _, problem = _comparable(answers["invisible"])
    assert status == 409
    assert problem["type"].endswith("/id-taken")
    assert set(problem) == {"type", "title", "status", "detail"}
    assert "choose another id" in problem["detail"]
    # Same work on both paths: the times are of one order of magnitude.
    assert max(timings.values()) < 10 * min(timings.values())
    # And a free id still works.
    fresh = await client.post(path(s, world), json={**body(s, world), "id": str(uuid.uuid4())}, headers=auth)
    assert fresh.status_code == 201, fresh.text


async def _accepted_referral_for_partner(client: httpx.AsyncClient, world: World, s: Scenario) -> dict[str, str]:
    """referral_in is addressed to the hospital (the world's partner): take it on."""
    partner = world.auth("partner")
    current = await client.get(f"/v1/referrals/{s.referral_in.id}", headers=partner)
    assert current.status_code == 200, current.text
    for action in ("receive", "accept"):
        if action not in current.json().get("allowed_actions", [action]):
            continue
        current = await client.post(f"/v1/referrals/{s.referral_in.id}/transitions", json={"action": action},
                                    headers={**partner, "If-Match": current.headers["etag"]})
        assert current.status_code == 200, current.text
    return partner


async def test_an_onward_referral_never_takes_a_client_id(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    """The partner's guess of the client id was answered 422 when wrong and 201 when right."""
    s = await build_scenario(db, world)
    partner = await _accepted_referral_for_partner(client, world, s)
    onward = {"to_agency_id": str(world.agencies["grouphome"]), "part_of": str(s.referral_in.id),
              "purpose": "group_home", "reason": "入居相談", "shared_fields": ["name"]}
    right = await client.post("/v1/referrals", json={**onward, "client_id": str(s.client_in.id)}, headers=partner)
    wrong = await client.post("/v1/referrals", json={**onward, "client_id": str(s.client_out.id)}, headers=partner)
    assert right.status_code == wrong.status_code == 422
    assert _comparable(right) == _comparable(wrong)
    made = await client.post("/v1/referrals", json=onward, headers=partner)
    assert made.status_code == 201, made.text
    # It is about the parent's client.
    assert await db.scalar(select(Referral.client_id).where(Referral.id == uuid.UUID(made.json()["id"]))) \
        == s.client_in.id
