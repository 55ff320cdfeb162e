"""The social-resource directory as its users meet it: a caseworker looking for a free group-home
room, a partner system keeping its vacancies current, an HSDS consumer importing the directory."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEvent
from tests.resource_records import make_service
from tests.world import World


async def test_caseworker_finds_group_homes_in_a_branch_area_with_a_free_room(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    gh = world.agencies["grouphome"]
    free = await make_service(db, gh, name_ja="つばめ荘 烏山", name_kana="ツバメソウ カラスヤマ", available=1)
    await make_service(db, gh, name_ja="つばめ荘 満室", name_kana="ツバメソウ マンシツ", available=0)
    await make_service(db, gh, name_ja="つばめ荘 玉川", name_kana="ツバメソウ タマガワ", branch="tamagawa")
    await make_service(db, gh, name_ja="作業所", name_kana="サギョウショ", category="employment_support")
    await make_service(db, gh, name_ja="休止中", name_kana="キュウシチュウ", status="temporarily_closed")

    for params in ({"purpose": "group_home"}, {"category": "group_home"}):
        response = await client.get("/v1/resources", params={**params, "branch": "karasuyama", "has_vacancy": "true"},
                                    headers=world.auth("caseworker"))
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert [i["id"] for i in items] == [str(free.service_id)]
        assert items[0]["has_vacancy"] is True
        assert items[0]["capacity"]["available"] == 1
        assert items[0]["locations"][0]["branch_code"] == "karasuyama"

    # A flat search can also be served by a consultation office: the purpose widens the categories.
    housing = await client.get("/v1/resources", params={"purpose": "housing_search", "branch": "karasuyama"})
    assert {i["category"] for i in housing.json()["items"]} == {"group_home"}


async def test_partner_system_updates_its_own_vacancies_and_not_another_agencys(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    own = await make_service(db, world.agencies["hospital"], category="outpatient_clinic", available=3, maximum=10)
    other = await make_service(db, world.agencies["grouphome"])
    auth = world.auth("hospital-system")
    url = f"/v1/resources/{own.service_id}/capacity"

    current = await client.get(url)
    assert current.status_code == 200
    etag = current.headers["ETag"]
    assert current.json()["updated_by"] is None  # who reported is not shown to anonymous readers

    assert (await client.patch(url, json={"available": 2}, headers=auth)).status_code == 428
    too_many = await client.patch(url, json={"available": 11}, headers={**auth, "If-Match": etag})
    assert too_many.status_code == 422

    updated = await client.patch(url, json={"available": 2, "waitlist": 4}, headers={**auth, "If-Match": etag})
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["available"], body["waitlist"], body["maximum"]) == (2, 4, 10)
    assert body["updated_by"] == "hospital-system"
    assert updated.headers["ETag"] != etag

    stale = await client.patch(url, json={"available": 1}, headers={**auth, "If-Match": etag})
    assert stale.status_code == 412

    history = await client.get(f"{url}/history", headers=auth)
    assert history.status_code == 200
    assert [(h["available"], h["changed_by"]) for h in history.json()["items"]][:1] == [(2, "hospital-system")]

    other_url = f"/v1/resources/{other.service_id}/capacity"
    other_etag = (await client.get(other_url)).headers["ETag"]
    refused = await client.patch(other_url, json={"available": 0}, headers={**auth, "If-Match": other_etag})
    assert refused.status_code == 403
    assert (await client.get(other_url)).json()["available"] == 1

    # Ward staff keep numbers current too.
    staff = await client.patch(other_url, json={"available": 0}, headers={**world.auth("caseworker"),
                                                                          "If-Match": other_etag})
    assert staff.status_code == 200

    events = (await db.scalars(select(AuditEvent).where(AuditEvent.resource_type == "service_capacity"))).all()
    assert {(e.action, e.outcome) for e in events} >= {("update", "success"), ("denied", "denied")}


async def test_hsds_consumer_paging_walk_returns_every_active_service(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    public = set()
    for i in range(5):
        made = await make_service(db, world.agencies["grouphome"], name_ja=f"資源{i}",
                                  name_kana=f"シゲン {'アイウエオ'[i]}")
        public.add(str(made.service_id))
    closed = await make_service(db, world.agencies["hospital"], name_ja="休止", name_kana="キュウシ",
                                status="temporarily_closed")
    public.add(str(closed.service_id))
    inactive = await make_service(db, world.agencies["hospital"], name_ja="廃止", name_kana="ハイシ", status="inactive")

    root = (await client.get("/v1/hsds/")).json()
    assert root["version"] == "3.0"

    seen: list[str] = []
    page = 1
    while True:
        response = await client.get("/v1/hsds/services", params={"page": page, "per_page": 4})
        assert response.status_code == 200, response.text
        envelope = response.json()
        assert envelope["total_items"] == len(public)
        assert envelope["total_pages"] == 2
        assert envelope["page_number"] == page
        assert envelope["first_page"] is (page == 1)
        assert envelope["size"] == len(envelope["contents"])
        seen.extend(s["id"] for s in envelope["contents"])
        if envelope["last_page"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == len(public)
    assert set(seen) == public
    assert str(inactive.service_id) not in seen

    statuses = {s["id"]: s["status"] for s in (await client.get("/v1/hsds/services", params={"per_page": 50})).json()
                ["contents"]}
    assert statuses[str(closed.service_id)] == "temporarily closed"

    one = (await client.get(f"/v1/hsds/services/{closed.service_id}")).json()
    assert one["organization"]["id"] == str(world.agencies["hospital"])
    assert one["service_at_locations"][0]["location"]["addresses"][0]["country"] == "JP"
    assert one["capacities"][0]["available"] == 1
    assert (await client.get(f"/v1/hsds/services/{inactive.service_id}")).status_code == 404

    links = (await client.get("/v1/hsds/service_at_locations", params={"per_page": 200})).json()
    assert {link["service_id"] for link in links["contents"]} == public
    orgs = (await client.get("/v1/hsds/organizations")).json()
    assert {o["id"] for o in orgs["contents"]} == {str(world.agencies["grouphome"]), str(world.agencies["hospital"])}
    assert (await client.get("/v1/hsds/services", params={"per_page": 201})).status_code == 422


async def test_name_search_by_kana_in_any_script_and_width(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    gh = await make_service(db, world.agencies["grouphome"], name_ja="グループホーム つばめ荘 玉川",
                            name_kana="グループホーム ツバメソウ タマガワ")
    await make_service(db, world.agencies["consult"], name_ja="相談支援事業所 そよかぜ",
                       name_kana="ソウダン シエン ジギョウショ ソヨカゼ", category="consultation_support")

    async def found(q: str) -> list[str]:
        response = await client.get("/v1/resources", params={"q": q})
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    for q in ("つばめ", "ｸﾞﾙｰﾌﾟﾎｰﾑ", "ぐるーぷほーむつばめ", "ツバメソウ タマ", "グループホーム つばめ荘"):
        assert await found(q) == [str(gh.service_id)], q
    assert await found("バメ") == []
    assert len(await found("そ")) == 1


async def test_nearest_first_when_coordinates_are_given(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    gh = world.agencies["grouphome"]
    near_lat, near_lon = 35.6690, 139.6010  # Minami-Karasuyama
    far = await make_service(db, gh, name_ja="遠い", name_kana="アア", lat=35.6075, lon=139.6480)
    nearest = await make_service(db, gh, name_ja="近い", name_kana="イイ", lat=35.6700, lon=139.6000)
    middle = await make_service(db, gh, name_ja="中間", name_kana="ウウ", lat=35.6450, lon=139.6700)
    nowhere = await make_service(db, gh, name_ja="座標なし", name_kana="エエ")

    ids: list[str] = []
    distances: list[float | None] = []
    cursor = None
    while True:
        params = {"near_lat": str(near_lat), "near_lon": str(near_lon), "limit": "2"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/resources", params=params)).json()
        ids.extend(i["id"] for i in page["items"])
        distances.extend(i["distance_km"] for i in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert ids == [str(m.service_id) for m in (nearest, middle, far, nowhere)]
    assert distances[0] is not None
    assert distances[0] < 0.2
    assert distances[3] is None
    assert (await client.get("/v1/resources", params={"near_lat": "35.6"})).status_code == 422


async def test_inactive_services_are_hidden_from_anonymous_and_other_agencies(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    inactive = await make_service(db, world.agencies["hospital"], status="inactive")
    active = await make_service(db, world.agencies["hospital"], name_ja="外来", name_kana="ガイライ")

    listed = {i["id"] for i in (await client.get("/v1/resources")).json()["items"]}
    assert listed == {str(active.service_id)}
    assert (await client.get(f"/v1/resources/{inactive.service_id}")).status_code == 404
    assert (await client.get(f"/v1/resources/{inactive.service_id}",
                             headers=world.auth("partner_consult"))).status_code == 404
    assert (await client.get(f"/v1/resources/{inactive.service_id}", headers=world.auth("partner"))).status_code == 200
    assert (await client.get(f"/v1/resources/{inactive.service_id}", headers=world.auth("admin"))).status_code == 200


async def test_partner_lists_a_service_with_its_own_id_and_edits_it(
    client: httpx.AsyncClient, world: World
) -> None:
    auth = world.auth("partner")
    location = await client.post("/v1/locations", headers=auth, json={
        "name": "はなみずき病院", "address": "東京都世田谷区上祖師谷（テスト）", "branch_code": "karasuyama",
        "latitude": 35.662, "longitude": 139.599})
    assert location.status_code == 201, location.text
    service_id = str(uuid.uuid4())
    payload = {"id": service_id, "name_ja": "デイケア", "name_kana": "でいけあ", "category": "outpatient_clinic",
               "location_ids": [location.json()["id"]], "capacity": {"unit": "places_per_day", "maximum": 20,
                                                                     "available": 5},
               "schedule": [{"byday": "MO,WE,FR", "opens_at": "09:30", "closes_at": "15:00"}]}
    first = await client.post("/v1/resources", json=payload, headers={**auth, "Idempotency-Key": "dc-1"})
    assert first.status_code == 201, first.text
    assert first.json()["id"] == service_id
    assert first.json()["name_kana"] == "デイケア"
    replay = await client.post("/v1/resources", json=payload, headers={**auth, "Idempotency-Key": "dc-1"})
    assert replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"

    edited = await client.patch(f"/v1/resources/{service_id}", json={"status": "temporarily_closed"},
                                headers={**auth, "If-Match": first.headers["ETag"]})
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "temporarily_closed"
    assert edited.json()["has_vacancy"] is False

    # Ward staff may report vacancies but not rewrite the listing.
    staff = await client.patch(f"/v1/resources/{service_id}", json={"description": "x"},
                               headers={**world.auth("caseworker"), "If-Match": edited.headers["ETag"]})
    assert staff.status_code == 403
    unknown_field = await client.post("/v1/resources", json={**payload, "id": str(uuid.uuid4()), "rooms": 3},
                                      headers=auth)
    assert unknown_field.status_code == 422
    not_kana = await client.post("/v1/resources", json={**payload, "id": str(uuid.uuid4()), "name_kana": "day care"},
                                 headers=auth)
    assert not_kana.status_code == 422


async def test_caseworker_refers_a_client_to_a_group_home_found_in_the_directory(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    from tests.scenario import build_scenario

    s = await build_scenario(db, world)
    gh = world.agencies["grouphome"]
    free = await make_service(db, gh, name_ja="つばめ荘 烏山", name_kana="ツバメソウ カラスヤマ", available=1)
    found = await client.get("/v1/resources", params={"purpose": "group_home", "branch": "karasuyama",
                                                      "has_vacancy": "true"}, headers=world.auth("caseworker"))
    target = next(i for i in found.json()["items"] if i["id"] == str(free.service_id))
    draft = await client.post("/v1/referrals", headers=world.auth("caseworker"), json={
        "to_agency_id": str(gh), "to_service_id": target["id"], "client_id": str(s.client_in.id),
        "purpose": "group_home", "reason": "退院後の住まいとしてグループホームを希望",
        "shared_fields": ["name", "kana"]})
    assert draft.status_code == 201, draft.text
    assert draft.json()["to_service_id"] == target["id"]
    # A service of another agency cannot be the target.
    other = await make_service(db, world.agencies["hospital"], category="outpatient_clinic")
    wrong = await client.post("/v1/referrals", headers=world.auth("caseworker"), json={
        "to_agency_id": str(gh), "to_service_id": str(other.service_id), "client_id": str(s.client_in.id),
        "purpose": "group_home", "reason": "x", "shared_fields": ["name"]})
    assert wrong.status_code == 422
