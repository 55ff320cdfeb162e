"""Admin routes (agencies, users, machine clients) and the auditor's audit trail.

For the admin's out-of-scope call a detail route names an id that does not exist (404) and a
create names an agency that does not exist (422); every other role is refused by role (403)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from api.db.models import Agency, ApiClient, UserAccount
from tests.authz import Call, RouteCase, expect, fixed

ADMIN_LIST = expect(403, admin=200, anonymous=401)
ADMIN_CREATE = expect(403, admin=(201, 422), anonymous=401)
ADMIN_DETAIL = expect(403, admin=(200, 404), anonymous=401)


async def _version(ctx: Any, model: Any, pk: uuid.UUID) -> int:
    version: int = await ctx.db.scalar(select(model.version).where(model.id == pk))
    return version


def _target(ctx: Any, kind: str) -> uuid.UUID:
    return {
        "agency": ctx.world.agencies["hasic"],
        "user": ctx.world.users["caseworker"],
        "api_client": ctx.world.machines["hospital-system"],
    }[kind]


def _detail(prefix: str, kind: str, suffix: str = "", *, if_match: bool = False, **kw: Any) -> Any:
    model = {"agency": Agency, "user": UserAccount, "api_client": ApiClient}[kind]

    async def build(ctx: Any, in_scope: bool) -> Call:
        pk = _target(ctx, kind) if in_scope else uuid.uuid4()
        headers = {}
        if if_match:
            version = await _version(ctx, model, pk) if in_scope else 1
            headers["If-Match"] = f'"{version}"'
        return Call(path=f"{prefix}/{pk}{suffix}", headers=headers, **kw)

    return build


async def _create_agency(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/agencies", json={
        "code": "matrix_new", "name_ja": "新しい事業所", "name_en": "New office", "type": "workshop",
        "parent_id": None if in_scope else str(uuid.uuid4()),
    })


async def _create_user(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/users", json={
        "username": "matrix.new", "display_name": "新人", "role": "caseworker",
        "agency_id": str(ctx.world.agencies["karasuyama_seikatsu"] if in_scope else uuid.uuid4()),
        "branch_codes": ["karasuyama"], "password": "a long enough password",
    })


async def _create_api_client(ctx: Any, in_scope: bool) -> Call:
    return Call(path="/v1/api-clients", json={
        "client_id": "matrix-system", "name": "Matrix system", "role": "partner",
        "agency_id": str(ctx.world.agencies["hospital"] if in_scope else uuid.uuid4()),
    })


CASES = [
    RouteCase("GET", "/v1/agencies", fixed("/v1/agencies"), ADMIN_LIST),
    RouteCase("POST", "/v1/agencies", _create_agency, ADMIN_CREATE),
    RouteCase("GET", "/v1/agencies/{agency_id}", _detail("/v1/agencies", "agency"), ADMIN_DETAIL),
    RouteCase("PATCH", "/v1/agencies/{agency_id}",
              _detail("/v1/agencies", "agency", if_match=True, json={"name_en": "Renamed"}), ADMIN_DETAIL),
    RouteCase("GET", "/v1/users", fixed("/v1/users"), ADMIN_LIST),
    RouteCase("POST", "/v1/users", _create_user, ADMIN_CREATE),
    RouteCase("GET", "/v1/users/{user_id}", _detail("/v1/users", "user"), ADMIN_DETAIL),
    RouteCase("PATCH", "/v1/users/{user_id}",
              _detail("/v1/users", "user", if_match=True, json={"display_name": "改名"}), ADMIN_DETAIL),
    RouteCase("POST", "/v1/users/{user_id}/password",
              _detail("/v1/users", "user", "/password", json={"password": "another long password"}), ADMIN_DETAIL),
    RouteCase("GET", "/v1/api-clients", fixed("/v1/api-clients"), ADMIN_LIST),
    RouteCase("POST", "/v1/api-clients", _create_api_client, ADMIN_CREATE),
    RouteCase("GET", "/v1/api-clients/{client_pk}", _detail("/v1/api-clients", "api_client"), ADMIN_DETAIL),
    RouteCase("PATCH", "/v1/api-clients/{client_pk}",
              _detail("/v1/api-clients", "api_client", if_match=True, json={"name": "Renamed"}), ADMIN_DETAIL),
    RouteCase("POST", "/v1/api-clients/{client_pk}/rotate-secret",
              _detail("/v1/api-clients", "api_client", "/rotate-secret", if_match=True), ADMIN_DETAIL),
    # The auditor reads the whole trail; a filter on a client nobody touched is still an answer (empty).
    RouteCase("GET", "/v1/audit-events", fixed("/v1/audit-events"), expect(403, auditor=200, anonymous=401)),
]
