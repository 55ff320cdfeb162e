"""Messages people can act on: every kind of problem the service writes, in English and in
Japanese (`Accept-Language: ja`), detail and field messages alike, from the one catalogue."""

from __future__ import annotations

import ast
import base64
import hashlib
import re
import string
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Programme
from api.domain.access_rules import Action
from api.domain.roles import Role
from api.main import create_app
from api.messages import CATALOGUE, PYDANTIC_JA, msg
from api.middleware import RequestContextMiddleware
from api.problems import KINDS
from api.schemas.clients import ClientCreate
from tests.scenario import Scenario, build_scenario
from tests.world import CLIENT_SECRET, PASSWORD, World

API = Path(__file__).resolve().parents[2] / "api"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
NEW_CLIENT = {"name": "Sasaki Megumi", "kana": "ささき めぐみ", "date_of_birth": "1971-09-30", "sex": "female",
              "branch_code": "karasuyama", "residence_type": "apartment"}


# ------------------------------------------------------------------ the catalogue itself ----

def _fields(text_: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text_) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_message_has_both_languages_with_the_same_parameters(key: str) -> None:
    en, ja = CATALOGUE[key]
    assert en.strip()
    assert ja.strip()
    assert not JAPANESE.search(en), f"{key}: English text has Japanese in it"
    assert JAPANESE.search(ja), f"{key}: the Japanese text is not Japanese: {ja!r}"
    assert _fields(en) == _fields(ja), f"{key}: parameters differ"


def test_pydantic_error_types_have_japanese_text() -> None:
    for error_type, ja in PYDANTIC_JA.items():
        assert JAPANESE.search(ja), error_type


def _literal_keys() -> set[tuple[str, str]]:
    """(file, key) for every message key written as a literal in the code."""
    found: set[tuple[str, str]] = set()
    for path in API.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args \
                    and node.func.id in ("msg", "invalid", "not_found") \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add((path.name, node.args[0].value))
    return found


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    keys = _literal_keys()
    assert len(keys) > 100
    missing = sorted(f"{file}: {key}" for file, key in keys if key not in CATALOGUE)
    assert not missing, missing
    # Keys built at run time: an action's label, a record type's name in a 404.
    for action in Action:
        assert f"action.{action.value}" in CATALOGUE, action
    for role in Role:
        assert f"role.{role.value}" in CATALOGUE, role
    for resource_type in ("client", "episode", "referral", "consent", "goal", "care_team_member"):
        assert f"what.{resource_type}" in CATALOGUE


def test_every_problem_slug_the_code_raises_is_a_kind() -> None:
    slugs: set[str] = set()
    for path in API.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args \
                    and node.func.id in ("Problem", "Refused", "_token_problem", "_render_exc") \
                    and isinstance(node.args[0], ast.Constant):
                slugs.add(str(node.args[0].value))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_unauthenticated" \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                slugs.add(str(node.args[1].value))
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "KINDS" \
                    and isinstance(node.slice, ast.Constant):
                slugs.add(str(node.slice.value))
    assert slugs - set(KINDS) == set()
    # Emitted without their slug written out: Starlette's 400 and 405 found by status, and the
    # default of api.deps._unauthenticated.
    assert set(KINDS) - slugs <= {"bad-request", "method-not-allowed", "unauthenticated"}, "a kind nothing emits"


def test_forbidden_details_read_as_sentences() -> None:
    denial = msg("forbidden.action", action=msg("action.episode.decide"))
    assert denial.text(False) == "You may not record a support-meeting decision on this episode."
    assert denial.text(True) == "この支援の支援会議決定を記録する権限がありません。"


# --------------------------------------------------------- every problem kind over HTTP ----

@dataclass
class Ctx:
    client: httpx.AsyncClient
    app: FastAPI
    settings: Settings
    world: World
    scenario: Scenario
    db: AsyncSession
    lang: dict[str, str]

    def auth(self, name: str, **more: str) -> dict[str, str]:
        return {**self.world.auth(name), **self.lang, **more}


@asynccontextmanager
async def _from(app: Any, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@asynccontextmanager
async def _other_app(settings: Settings, **changes: Any) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update=changes))
    try:
        yield app
    finally:
        await app.state.rate_limiter.close()
        await app.state.engine.dispose()


async def _bad_request(c: Ctx) -> httpx.Response:
    return await c.client.post("/v1/auth/revoke", content=b"token=x",
                               headers={**c.lang, "Content-Type": "multipart/form-data"})


async def _token(c: Ctx, form: dict[str, str], **headers: str) -> httpx.Response:
    return await c.client.post("/v1/auth/token", data=form, headers={**c.lang, **headers})


async def _login_throttled(c: Ctx) -> httpx.Response:
    async with _from(c.app, f"192.0.2.{100 + len(c.lang)}") as http:
        for _ in range(c.settings.login_max_failures):
            await http.post("/v1/auth/token", data={"grant_type": "password", "username": "t.nobody", "password": "x"})
        return await http.post("/v1/auth/token", headers=c.lang,
                               data={"grant_type": "password", "username": "t.nobody", "password": "x"})


async def _rate_limited(c: Ctx) -> httpx.Response:
    async with _other_app(c.settings, rate_limit_anonymous_per_minute=1, rate_limit_sync_interval_s=0) as app, \
            _from(app, f"198.18.{len(c.lang)}.{uuid.uuid4().int % 250}") as http:
        await http.get("/v1/public/meetings")
        return await http.get("/v1/public/meetings", headers=c.lang)


async def _unavailable(c: Ctx) -> httpx.Response:
    async with _other_app(c.settings, database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none") as app, \
            _from(app, "192.0.2.9") as http:
        return await http.get("/readyz", headers=c.lang)


async def _internal(c: Ctx) -> httpx.Response:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("a bug")

    async with _from(RequestContextMiddleware(broken), "192.0.2.10") as http:
        return await http.get("/anything", headers=c.lang)


async def _forbidden(c: Ctx) -> httpx.Response:
    return await c.client.post(f"/v1/episodes/{c.scenario.episode_in.id}/transitions", json={"action": "start"},
                               headers=c.auth("caseworker", **{"If-Match": '"1"'}))


async def _illegal(c: Ctx) -> httpx.Response:
    return await c.client.post(f"/v1/episodes/{c.scenario.episode_in.id}/transitions", json={"action": "start"},
                               headers=c.auth("supervisor", **{"If-Match": '"1"'}))


async def _consent_missing(c: Ctx) -> httpx.Response:
    programme = Programme(code=f"p{uuid.uuid4().hex[:8]}", name_ja="試行", name_en="Trial",
                          operating_agency_ids=[c.world.agencies["karasuyama_seikatsu"]], default_duration_months=12,
                          consent_required=True)
    c.db.add(programme)
    await c.db.flush()
    cid = str(c.scenario.client_in.id)
    proposed = await c.client.post("/v1/episodes", json={"client_id": cid, "programme_code": programme.code},
                                   headers=c.auth("caseworker"))
    assert proposed.status_code == 201, proposed.text
    return await c.client.post(f"/v1/episodes/{proposed.json()['id']}/transitions",
                               headers=c.auth("supervisor", **{"If-Match": proposed.headers["etag"]}),
                               json={"action": "start", "decision": {"decided_on": "2010-07-21", "decision": "開始"}})


async def _duplicate(c: Ctx) -> httpx.Response:
    await c.client.post("/v1/clients", json=NEW_CLIENT, headers=c.auth("caseworker"))
    return await c.client.post("/v1/clients", json=NEW_CLIENT, headers=c.auth("caseworker"))


async def _conflict(c: Ctx) -> httpx.Response:
    """Deactivating a client twice."""
    path = f"/v1/clients/{c.scenario.client_in.id}/deactivate"
    for _ in range(2):
        version = (await c.db.execute(text("SELECT version FROM client WHERE id = :id"),
                                      {"id": c.scenario.client_in.id})).scalar_one()
        response = await c.client.post(path, json={"reason": "moved"},
                                       headers=c.auth("supervisor", **{"If-Match": f'"{version}"'}))
    return response


async def _in_progress(c: Ctx) -> httpx.Response:
    key = f"k-{uuid.uuid4()}"
    payload = ClientCreate.model_validate(NEW_CLIENT).model_dump(mode="json")
    digest = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()
    await c.db.execute(text("INSERT INTO idempotency_record (principal_id, key, request_hash) VALUES (:p, :k, :h)"),
                       {"p": c.world.users["caseworker"], "k": key, "h": digest})
    return await c.client.post("/v1/clients", json=NEW_CLIENT, headers=c.auth("caseworker", **{"Idempotency-Key": key}))


async def _key_reused(c: Ctx) -> httpx.Response:
    key = f"k-{uuid.uuid4()}"
    first = await c.client.post("/v1/clients", json={**NEW_CLIENT, "confirm_not_duplicate": True},
                                headers=c.auth("caseworker", **{"Idempotency-Key": key}))
    assert first.status_code == 201, first.text
    return await c.client.post("/v1/clients", json={**NEW_CLIENT, "name": "Other", "confirm_not_duplicate": True},
                               headers=c.auth("caseworker", **{"Idempotency-Key": key}))


async def _validation(c: Ctx) -> httpx.Response:
    return await c.client.post("/v1/clients", headers=c.auth("caseworker"), json={
        "name": "x" * 500, "kana": "Sasaki", "date_of_birth": "not a date", "sex": "robot", "colour": "blue"})


GRANT = {"grant_type": "password", "username": "t.caseworker", "password": PASSWORD}
MACHINE_BASIC = "Basic " + base64.b64encode(f"t.hospital-system:{CLIENT_SECRET}".encode()).decode()

TRIGGERS: dict[str, Callable[[Ctx], Awaitable[httpx.Response]]] = {
    "bad-request": _bad_request,
    "unauthenticated": lambda c: c.client.get("/v1/me", headers=c.lang),
    "invalid-token": lambda c: c.client.get("/v1/me", headers={**c.lang, "Authorization": "Bearer nonsense"}),
    "invalid-grant": lambda c: _token(c, {**GRANT, "password": "wrong"}),
    "invalid-client": lambda c: _token(c, {"grant_type": "client_credentials", "client_id": "t.hospital-system",
                                           "client_secret": "wrong"}),
    "unsupported-grant-type": lambda c: _token(c, {"grant_type": "telepathy"}),
    "invalid-request": lambda c: _token(c, {"grant_type": "password", "username": "t.caseworker"}),
    "unauthorized-client": lambda c: _token(c, GRANT, Authorization=MACHINE_BASIC),
    "invalid-scope": lambda c: _token(c, {**GRANT, "scope": "everything"}),
    "forbidden": _forbidden,
    "not-found": lambda c: c.client.get(f"/v1/clients/{uuid.uuid4()}", headers=c.auth("caseworker")),
    "method-not-allowed": lambda c: c.client.delete("/healthz", headers=c.lang),
    "conflict": _conflict,
    "id-taken": lambda c: c.client.post("/v1/clients", headers=c.auth("caseworker"), json={
        **NEW_CLIENT, "id": str(c.scenario.client_in.id), "confirm_not_duplicate": True}),
    "illegal-transition": _illegal,
    "consent-missing": _consent_missing,
    "possible-duplicate": _duplicate,
    "idempotency-in-progress": _in_progress,
    "precondition-failed": lambda c: c.client.patch(f"/v1/clients/{c.scenario.client_in.id}",
                                                    json={"phone": "03-1234-5678"},
                                                    headers=c.auth("caseworker", **{"If-Match": '"99"'})),
    "content-too-large": lambda c: c.client.post("/v1/clients", content=b"x" * (c.settings.max_body_bytes + 1),
                                                 headers=c.auth("caseworker", **{"Content-Type": "application/json"})),
    "validation": _validation,
    "idempotency-key-reused": _key_reused,
    "precondition-required": lambda c: c.client.patch(f"/v1/clients/{c.scenario.client_in.id}", json={"phone": "03"},
                                                      headers=c.auth("caseworker")),
    "rate-limited": _rate_limited,
    "login-throttled": _login_throttled,
    "internal": _internal,
    "unavailable": _unavailable,
}


def test_every_problem_kind_is_walked() -> None:
    assert set(TRIGGERS) == set(KINDS)


@pytest.mark.parametrize("slug", sorted(TRIGGERS))
async def test_problem_kind_speaks_both_languages(slug: str, client: httpx.AsyncClient, app: FastAPI,
                                                  settings: Settings, db: AsyncSession, world: World) -> None:
    scenario = await build_scenario(db, world)
    await db.flush()
    answers: dict[str, dict[str, Any]] = {}
    for lang in ("en", "ja"):
        ctx = Ctx(client, app, settings, world, scenario, db, {"Accept-Language": lang})
        response = await TRIGGERS[slug](ctx)
        assert response.headers["content-type"] == "application/problem+json", response.text
        body = response.json()
        assert body["type"].endswith("/" + slug), body
        assert body["status"] == response.status_code
        answers[lang] = body
    en, ja = answers["en"], answers["ja"]
    assert en["detail"]
    assert not JAPANESE.search(en["detail"]), en["detail"]
    assert JAPANESE.search(ja["detail"]), f"English detail under Accept-Language: ja: {ja['detail']!r}"
    assert JAPANESE.search(ja["title"])
    for error in en.get("errors", []):
        assert not JAPANESE.search(error["message"]), error
    for error in ja.get("errors", []):
        assert JAPANESE.search(error["message"]), f"English field message under ja: {error}"


# ------------------------------------------------------------ messages that help decide ----

async def test_field_messages_of_pydantic_and_of_validators_are_japanese(client: httpx.AsyncClient,
                                                                         world: World) -> None:
    response = await client.post("/v1/clients", headers={**world.auth("caseworker"), "Accept-Language": "ja"},
                                 json={**NEW_CLIENT, "kana": "Sasaki", "colour": "blue", "sex": None})
    messages = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert messages["body.kana"] == "よみがなはカタカナかひらがなで書いてください"
    assert messages["body.colour"] == "この項目は受け付けていません"
    english = await client.post("/v1/clients", headers=world.auth("caseworker"), json={**NEW_CLIENT, "kana": "Sasaki"})
    assert english.json()["errors"][0]["message"] == "kana must be written in katakana or hiragana"
    assert english.json()["errors"][0]["code"] == "client.kana"


async def test_a_choice_the_caller_must_make_is_listed(client: httpx.AsyncClient, db: AsyncSession,
                                                       world: World) -> None:
    scenario = await build_scenario(db, world)
    runners = [world.agencies["mota"], world.agencies["karasuyama_seikatsu"]]
    programme = Programme(code=f"p{uuid.uuid4().hex[:8]}", name_ja="退院促進", name_en="Discharge support",
                          operating_agency_ids=runners, default_duration_months=12)
    db.add(programme)
    await db.flush()
    body = {"client_id": str(scenario.client_in.id), "programme_code": programme.code}
    response = await client.post("/v1/episodes", json=body, headers=world.auth("caseworker"))
    assert response.status_code == 422
    problem = response.json()
    assert {c["id"] for c in problem["choices"]} == {str(a) for a in runners}
    assert all(str(a) in problem["detail"] for a in runners)
    assert problem["errors"][0]["field"] == "body.operating_agency_id"
    wrong = await client.post("/v1/episodes", json={**body, "operating_agency_id": str(world.agencies["hospital"])},
                              headers={**world.auth("caseworker"), "Accept-Language": "ja"})
    assert wrong.status_code == 422
    assert "次から選んでください" in wrong.json()["detail"]
    assert {c["id"] for c in wrong.json()["choices"]} == {str(a) for a in runners}
    chosen = await client.post("/v1/episodes", json={**body, "operating_agency_id": str(runners[0])},
                               headers=world.auth("caseworker"))
    assert chosen.status_code == 201, chosen.text


async def test_forbidden_detail_names_the_action(client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    scenario = await build_scenario(db, world)
    await db.flush()
    ctx = Ctx(client, FastAPI(), Settings.model_construct(), world, scenario, db, {"Accept-Language": "en"})
    response = await _forbidden(ctx)
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not record a support-meeting decision on this episode."


async def test_illegal_transition_detail_agrees_with_allowed(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    """The sender of a received referral may only cancel it; the 409 says so in both members."""
    scenario = await build_scenario(db, world)
    await db.flush()
    path = f"/v1/referrals/{scenario.referral_in.id}"
    checked = []
    for role, action in (("caseworker", "send"), ("partner", "complete")):
        seen = await client.get(path, headers=world.auth(role))
        assert seen.status_code == 200
        response = await client.post(f"{path}/transitions", json={"action": action},
                                     headers={**world.auth(role), "If-Match": seen.headers["etag"]})
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["allowed"] == seen.json()["allowed_actions"]
        listed = body["detail"].rsplit("allowed now: ", 1)[1].rstrip(".")
        assert listed == (", ".join(body["allowed"]) or "none"), (body["detail"], body["allowed"])
        checked.append((role, body["allowed"]))
    assert len(checked) == 2, checked  # the sender and the receiver each see their own actions
    assert checked[0][1] != checked[1][1]


async def test_a_planned_end_before_the_start_is_422_not_500(client: httpx.AsyncClient, db: AsyncSession,
                                                             world: World) -> None:
    scenario = await build_scenario(db, world)
    programme = Programme(code=f"p{uuid.uuid4().hex[:8]}", name_ja="試行", name_en="Trial",
                          operating_agency_ids=[world.agencies["karasuyama_seikatsu"]], default_duration_months=12,
                          consent_required=False)
    db.add(programme)
    await db.flush()
    proposed = await client.post("/v1/episodes", json={"client_id": str(scenario.client_in.id),
                                                       "programme_code": programme.code},
                                 headers=world.auth("caseworker"))
    assert proposed.status_code == 201, proposed.text
    started = await client.post(
        f"/v1/episodes/{proposed.json()['id']}/transitions",
        headers={**world.auth("supervisor"), "If-Match": proposed.headers["etag"], "Accept-Language": "ja"},
        json={"action": "start", "decision": {"decided_on": "2010-07-21", "decision": "開始",
                                              "planned_end": "2010-01-31"}})
    assert started.status_code == 422, started.text
    assert started.json()["errors"][0] == {"field": "body.decision.planned_end", "code": "before_start",
                                           "message": "終了予定日が開始日より前です"}
