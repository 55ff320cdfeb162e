"""The social-resource directory. In scope for a partner means its own agency's (the hospital's)
records; the out-of-scope records belong to the group home. A visible record the caller may not
edit answers 403 (the directory is public); an inactive listing is invisible (404) to everyone
but its own agency and the admin."""

from __future__ import annotations

import uuid
from typing import Any

from tests.authz import Call, RouteCase, expect, fixed

LISTING_EDIT = expect(403, admin=200, partner=(200, 403), anonymous=401)
LISTING_CREATE = expect(403, admin=201, partner=(201, 403), anonymous=401)
CAPACITY_EDIT = expect(403, admin=200, supervisor=200, caseworker=200, coordinator=200, partner=(200, 403),
                       anonymous=401)
PUBLIC = expect(200)
ACTIVE_OR_HIDDEN = expect((200, 404), admin=200)


def _owner(ctx: Any, in_scope: bool) -> uuid.UUID:
    agencies: dict[str, uuid.UUID] = ctx.world.agencies
    return agencies["hospital"] if in_scope else agencies["grouphome"]


def _service(suffix: str = "", *, by_status: bool = False, prefix: str = "/v1/resources/", **call: Any) -> Any:
    """The hospital's service (in scope) or the group home's (out of scope); with `by_status`, an
    active service (in) or an inactive one (out) of the group home."""

    async def build(ctx: Any, in_scope: bool) -> Call:
        d = ctx.scenario.directory
        if by_status:
            service_id = d.other_service if in_scope else d.inactive_service
        else:
            service_id = d.own_service if in_scope else d.other_service
        return Call(path=f"{prefix}{service_id}{suffix}", **call)

    return build


def _location(**call: Any) -> Any:
    async def build(ctx: Any, in_scope: bool) -> Call:
        d = ctx.scenario.directory
        return Call(path=f"/v1/locations/{d.own_location if in_scope else d.other_location}", **call)

    return build


async def _create_service(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/resources", json={
        "id": str(uuid.uuid4()), "agency_id": str(_owner(ctx, in_scope)), "name_ja": "新しい資源",
        "name_kana": "あたらしい しげん", "category": "day_activity",
    })


async def _create_location(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/locations", json={
        "agency_id": str(_owner(ctx, in_scope)), "name": "新拠点", "address": "東京都世田谷区（テスト）",
        "branch_code": "setagaya",
    })


IF_MATCH_1 = {"If-Match": '"1"'}

CASES = [
    RouteCase("GET", "/v1/resources", fixed("/v1/resources", params={"has_vacancy": "true"}), PUBLIC),
    RouteCase("POST", "/v1/resources", _create_service, LISTING_CREATE),
    RouteCase("GET", "/v1/resources/{service_id}", _service(by_status=True), ACTIVE_OR_HIDDEN),
    RouteCase("PATCH", "/v1/resources/{service_id}",
              _service(json={"description": "更新"}, headers=IF_MATCH_1), LISTING_EDIT),
    RouteCase("GET", "/v1/resources/{service_id}/capacity", _service("/capacity", by_status=True), ACTIVE_OR_HIDDEN),
    RouteCase("PATCH", "/v1/resources/{service_id}/capacity",
              _service("/capacity", json={"available": 0}, headers=IF_MATCH_1), CAPACITY_EDIT),
    RouteCase("GET", "/v1/resources/{service_id}/capacity/history", _service("/capacity/history"), CAPACITY_EDIT),
    RouteCase("POST", "/v1/locations", _create_location, LISTING_CREATE),
    RouteCase("GET", "/v1/locations/{location_id}", _location(), PUBLIC),
    RouteCase("PATCH", "/v1/locations/{location_id}", _location(json={"name": "改名"}, headers=IF_MATCH_1),
              LISTING_EDIT),
    RouteCase("GET", "/v1/hsds/", fixed("/v1/hsds/"), PUBLIC),
    RouteCase("GET", "/v1/hsds/services", fixed("/v1/hsds/services", params={"per_page": "5"}), PUBLIC),
    RouteCase("GET", "/v1/hsds/services/{service_id}", _service(by_status=True, prefix="/v1/hsds/services/"),
              expect((200, 404))),
    RouteCase("GET", "/v1/hsds/organizations", fixed("/v1/hsds/organizations"), PUBLIC),
    RouteCase("GET", "/v1/hsds/locations", fixed("/v1/hsds/locations"), PUBLIC),
    RouteCase("GET", "/v1/hsds/service_at_locations", fixed("/v1/hsds/service_at_locations"), PUBLIC),
]
