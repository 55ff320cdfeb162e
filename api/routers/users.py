from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, check_version, idempotent, json_response
from api.deps import UnitDep
from api.domain.roles import Role
from api.pagination import Page, PageDep, cut
from api.routing import CommitRoute
from api.schemas.identity import PasswordReset, UserCreate, UserRead, UserUpdate
from api.services import mfa, users
from api.services.guard import AdminDep

router = APIRouter(tags=["admin"], route_class=CommitRoute)


@router.get("/v1/users", operation_id="list_users", summary="List staff accounts (admin)",
            response_model=Page[UserRead])
async def list_users(
    admin: AdminDep,
    unit: UnitDep,
    page: PageDep,
    role: Annotated[Role | None, Query()] = None,
    agency_id: Annotated[uuid.UUID | None, Query()] = None,
    active: Annotated[bool | None, Query()] = None,
) -> Response:
    rows = await users.list_page(unit.session, page, role=role, agency_id=agency_id, active=active)
    items, next_cursor = cut(rows, page, lambda u: [u.username])
    return json_response(Page[UserRead](items=[UserRead.model_validate(u) for u in items], next_cursor=next_cursor))


@router.post("/v1/users", operation_id="create_user", summary="Create a staff account with its first password (admin)",
             status_code=201, response_model=UserRead)
async def create_user(body: UserCreate, admin: AdminDep, unit: UnitDep,
                      idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def run() -> Response:
        user = await users.create(unit, body)
        return json_response(UserRead.model_validate(user), status_code=201, version=user.version,
                             location=f"/v1/users/{user.id}")

    return await idempotent(unit, admin, idempotency_key, body, run)


@router.get("/v1/users/{user_id}", operation_id="get_user", summary="Read a staff account (admin)",
            response_model=UserRead)
async def get_user(user_id: uuid.UUID, admin: AdminDep, unit: UnitDep) -> Response:
    user = await users.get(unit.session, user_id)
    return json_response(UserRead.model_validate(user), version=user.version)


@router.patch("/v1/users/{user_id}", operation_id="update_user",
              summary="Change name, role, agency, branches or the active flag (admin)", response_model=UserRead)
async def update_user(user_id: uuid.UUID, body: UserUpdate, admin: AdminDep, unit: UnitDep,
                      expected: IfMatchDep) -> Response:
    user = await users.get(unit.session, user_id)
    check_version(user.version, expected)
    user = await users.update_user(unit, admin, user, body)
    return json_response(UserRead.model_validate(user), version=user.version)


@router.post("/v1/users/{user_id}/password", operation_id="reset_user_password",
             summary="Set a new password; the user's existing logins end (admin)", response_model=UserRead)
async def reset_user_password(user_id: uuid.UUID, body: PasswordReset, admin: AdminDep, unit: UnitDep) -> Response:
    user = await users.get(unit.session, user_id)
    user = await users.reset_password(unit, user, body.password)
    return json_response(UserRead.model_validate(user), version=user.version)


@router.delete("/v1/users/{user_id}/mfa", operation_id="reset_user_mfa", status_code=204,
               summary="Remove a user's second factor and recovery codes (a lost phone); the user enrols again "
               "at the next sign-in (admin)")
async def reset_user_mfa(user_id: uuid.UUID, admin: AdminDep, unit: UnitDep) -> Response:
    await mfa.reset(unit, user_id)
    return Response(status_code=204)
