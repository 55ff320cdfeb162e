"""Issue 18, item 10: a referral to a full service answers with its live vacancy and warns."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.db.models import CareTeamMember
from api.demo.load import seed_all
from api.domain.fiscal import today_tokyo
from api.main import create_app
from tests.resource_records import make_service
from tests.scenario import make_client
from tests.world import World


async def _setup(db: AsyncSession, world: World, available: int) -> tuple[uuid.UUID, uuid.UUID]:
    client = make_client("karasuyama", "空室 待子", "クウシツ マチコ")
    db.add(client)
    await db.flush()
    db.add(CareTeamMember(client_id=client.id, user_id=world.users["caseworker"], team_role="caseworker",
                          from_date=today_tokyo() - timedelta(days=30)))
    made = await make_service(db, world.agencies["grouphome"], name_ja="つばめ荘", name_kana="ツバメソウ",
                              available=available, maximum=6)
    await db.flush()
    return client.id, made.service_id


def _body(world: World, client_id: uuid.UUID, service_id: uuid.UUID, **over: object) -> dict[str, object]:
    return {"to_agency_id": str(world.agencies["grouphome"]), "to_service_id": str(service_id),
            "client_id": str(client_id), "purpose": "group_home", "reason": "退院後の住まいを探したい", **over}


async def test_a_full_service_is_refused_until_confirmed_and_answers_carry_the_live_vacancy(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    client_id, service_id = await _setup(db, world, available=0)
    auth = world.auth("caseworker")
    refused = await client.post("/v1/referrals", json=_body(world, client_id, service_id), headers=auth)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["vacancy"]["available"] == 0
    assert problem["vacancy"]["has_vacancy"] is False
    assert problem["vacancy"]["maximum"] == 6
    assert problem["vacancy"]["service_id"] == str(service_id)
    assert "confirm_no_vacancy" in problem["detail"]
    ja = await client.post("/v1/referrals", json=_body(world, client_id, service_id),
                           headers={**auth, "Accept-Language": "ja"})
    assert "空きがありません" in ja.json()["detail"]

    confirmed = await client.post("/v1/referrals", json=_body(world, client_id, service_id, confirm_no_vacancy=True),
                                  headers=auth)
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.headers["cache-control"] == "no-store"
    assert confirmed.json()["service_vacancy"]["available"] == 0

    # The vacancy is live: a place freed in the directory shows on the next read of the referral.
    capacity = await client.get(f"/v1/resources/{service_id}/capacity", headers=auth)
    freed = await client.patch(f"/v1/resources/{service_id}/capacity", json={"available": 1},
                               headers={**auth, "If-Match": capacity.headers["etag"]})
    assert freed.status_code == 200, freed.text
    read = await client.get(f"/v1/referrals/{confirmed.json()['id']}", headers=auth)
    assert read.json()["service_vacancy"]["available"] == 1
    assert read.json()["service_vacancy"]["has_vacancy"] is True


async def test_a_service_with_a_free_place_needs_no_confirmation(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    client_id, service_id = await _setup(db, world, available=2)
    made = await client.post("/v1/referrals", json=_body(world, client_id, service_id),
                             headers=world.auth("caseworker"))
    assert made.status_code == 201, made.text
    assert made.json()["service_vacancy"]["available"] == 2
    # A referral to an agency without a named service carries no vacancy and needs no confirmation.
    plain = await client.post("/v1/referrals", json={k: v for k, v in _body(world, client_id, service_id).items()
                                                     if k != "to_service_id"}, headers=world.auth("caseworker"))
    assert plain.status_code == 201, plain.text
    assert plain.json()["service_vacancy"] is None


async def test_scene_the_closing_hostel_takes_nobody_new(server_url: str, tmp_path: Path) -> None:
    """「廃止と聞いている…新規の受け入れなし」 (July 2010): 佐藤 雅之 (c01), 12 years in hospital, needs
    a place to try living outside. A referral to the closing metropolitan hostel is answered with its
    vacancy (none) before anyone waits weeks for a refusal; つばめ荘 烏山 has two places."""
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
        token = app.state.tokens.issue_access_token(refs.users["cw.karasuyama"], "user")[0]
        auth = {"Authorization": f"Bearer {token}"}
        services = refs.extra["services"]
        client_id = refs.extra["clients"]["c01"]

        def body(code: str, agency: str, **over: object) -> dict[str, object]:
            return {"to_agency_id": str(refs.agencies[agency]), "to_service_id": str(services[code]),
                    "client_id": str(client_id), "purpose": "trial_stay", "reason": "退院に向けた体験宿泊", **over}

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            hostel = await http.post("/v1/referrals", json=body("tokyo_mhwc_hostel", "tokyo_mhwc"), headers=auth)
            assert hostel.status_code == 409, hostel.text
            assert hostel.json()["vacancy"]["available"] == 0
            group_home = await http.post("/v1/referrals", headers=auth, json=body(
                "gh_tsubame_karasuyama", "tsubame_gh", purpose="group_home", reason="退院後の住まい"))
            assert group_home.status_code == 201, group_home.text
            assert group_home.json()["service_vacancy"]["available"] == 2
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)
