"""The staff directory: a caseworker finds the colleague and the agency to work with, by name or by
reading in any kana script, and learns who works where and nothing more."""

from __future__ import annotations

from typing import Any

import httpx

from tests.world import World

USER_FIELDS = {"id", "display_name", "display_name_kana", "role", "agency_id", "agency_name_ja", "branch_codes"}
AGENCY_FIELDS = {"id", "name_ja", "name_en", "type", "branch_code"}


async def _staff(client: httpx.AsyncClient, world: World, username: str, name: str, kana: str | None,
                 **extra: Any) -> dict[str, Any]:
    body = {"username": username, "display_name": name, "role": "mental_care_worker",
            "agency_id": str(world.agencies["care_corp"]), "branch_codes": ["karasuyama"],
            "password": "a long enough password", **extra}
    if kana is not None:
        body["display_name_kana"] = kana
    r = await client.post("/v1/users", headers=world.auth("admin"), json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_caseworker_finds_a_colleague_by_reading_in_any_kana_script(client: httpx.AsyncClient,
                                                                         world: World) -> None:
    made = await _staff(client, world, "mcw.tanaka", "田中 恵", "たなか めぐみ")
    assert made["display_name_kana"] == "タナカ メグミ"  # stored as katakana whichever script was typed
    for q in ("たなか", "タナカ", "ﾀﾅｶ", "めぐみ", "田中", "タナカメグ"):
        r = await client.get("/v1/directory/users", headers=world.auth("caseworker"), params={"q": q})
        assert r.status_code == 200, r.text
        found = r.json()["items"]
        assert [u["id"] for u in found] == [made["id"]], q
    person = found[0]
    assert set(person) == USER_FIELDS  # no username, no account state
    assert (person["display_name"], person["display_name_kana"], person["role"]) == (
        "田中 恵", "タナカ メグミ", "mental_care_worker")
    assert (person["agency_id"], person["branch_codes"]) == (str(world.agencies["care_corp"]), ["karasuyama"])
    agency = await client.get(f"/v1/agencies/{person['agency_id']}", headers=world.auth("admin"))
    assert person["agency_name_ja"] == agency.json()["name_ja"]


async def test_directory_lists_active_staff_in_kana_order_page_by_page(client: httpx.AsyncClient,
                                                                      world: World) -> None:
    names = [("mcw.wada", "和田 一", "ワダ ハジメ"), ("mcw.aoki", "青木 二", "アオキ ジ"),
             ("mcw.kato", "加藤 三", "カトウ サン")]
    for username, name, kana in names:
        await _staff(client, world, username, name, kana)
    await _staff(client, world, "mcw.gone", "退職 者", "たいしょく しゃ", active=False)
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "1", "agency_id": str(world.agencies["care_corp"]), "role": "mental_care_worker"}
        if cursor:
            params["cursor"] = cursor
        r = await client.get("/v1/directory/users", headers=world.auth("coordinator"), params=params)
        assert r.status_code == 200, r.text
        seen += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    readings = [u["display_name_kana"] for u in seen if u["display_name_kana"]]
    assert readings == ["アオキ ジ", "カトウ サン", "ワダ ハジメ"]
    assert len({u["id"] for u in seen}) == len(seen)
    assert "退職 者" not in {u["display_name"] for u in seen}  # deactivated accounts are not offered


async def test_branch_filter_and_agency_search(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/v1/directory/users", headers=world.auth("caseworker"),
                         params={"branch_code": "setagaya"})
    assert r.status_code == 200
    assert {u["display_name"] for u in r.json()["items"]} >= {"caseworker2"}
    assert all("setagaya" in u["branch_codes"] for u in r.json()["items"])
    agencies = await client.get("/v1/directory/agencies", headers=world.auth("secretariat"),
                                params={"type": "support_centre"})
    assert agencies.status_code == 200
    items = agencies.json()["items"]
    assert {a["id"] for a in items} >= {str(world.agencies["mota"]), str(world.agencies["kinuta_center"])}
    assert all(set(a) == AGENCY_FIELDS and a["type"] == "support_centre" for a in items)


async def test_partner_and_analyst_get_no_staff_list(client: httpx.AsyncClient, world: World) -> None:
    for role in ("partner", "analyst", "auditor"):
        r = await client.get("/v1/directory/users", headers=world.auth(role))
        assert r.status_code == 403, role
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/v1/directory/users", headers=world.auth("secretariat"))
    assert r.status_code == 403


async def test_admin_sets_and_clears_a_reading_and_refuses_latin(client: httpx.AsyncClient, world: World) -> None:
    bad = await client.post("/v1/users", headers=world.auth("admin"), json={
        "username": "mcw.latin", "display_name": "Latin", "display_name_kana": "tanaka", "role": "caseworker",
        "agency_id": str(world.agencies["care_corp"]), "password": "a long enough password"})
    assert bad.status_code == 422
    made = await _staff(client, world, "mcw.clear", "消去 テスト", "しょうきょ")
    headers = {**world.auth("admin"), "If-Match": f'"{made["version"]}"'}
    cleared = await client.patch(f"/v1/users/{made['id']}", headers=headers, json={"display_name_kana": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["display_name_kana"] is None
