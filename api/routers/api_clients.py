from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, check_version, idempotent, json_response
from api.db.models import ApiClient, OAuthClient
from api.deps import UnitDep
from api.domain.roles import Role
from api.pagination import Page, PageDep, cut
from api.routing import CommitRoute
from api.schemas.identity import (
    ApiClientCreate,
    ApiClientRead,
    ApiClientUpdate,
    ApiClientWithSecret,
    OAuthClientCreate,
    OAuthClientRead,
    OAuthClientUpdate,
    OAuthClientWithSecret,
)
from api.services import api_clients, oauth_clients
from api.services.guard import AdminDep

router = APIRouter(tags=["admin"], route_class=CommitRoute)


def _with_secret(machine: ApiClient, secret: str) -> ApiClientWithSecret:
    return ApiClientWithSecret(**ApiClientRead.model_validate(machine).model_dump(), client_secret=secret)


def _drop_secret(body: Any) -> Any:
    return {**body, "client_secret": None}


@router.get("/v1/api-clients", operation_id="list_api_clients", summary="List machine clients (admin)",
            response_model=Page[ApiClientRead])
async def list_api_clients(
    admin: AdminDep,
    unit: UnitDep,
    page: PageDep,
    role: Annotated[Role | None, Query()] = None,
    agency_id: Annotated[uuid.UUID | None, Query()] = None,
    active: Annotated[bool | None, Query()] = None,
) -> Response:
    rows = await api_clients.list_page(unit.session, page, role=role, agency_id=agency_id, active=active)
    items, next_cursor = cut(rows, page, lambda c: [c.client_id])
    return json_response(Page[ApiClientRead](items=[ApiClientRead.model_validate(c) for c in items],
                                             next_cursor=next_cursor))


@router.post("/v1/api-clients", operation_id="create_api_client",
             summary="Register a machine client; the response carries its secret, once (admin)", status_code=201,
             response_model=ApiClientWithSecret)
async def create_api_client(body: ApiClientCreate, admin: AdminDep, unit: UnitDep,
                            idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def run() -> Response:
        machine, secret = await api_clients.create(unit, body)
        return json_response(_with_secret(machine, secret), status_code=201, version=machine.version,
                             location=f"/v1/api-clients/{machine.id}")

    # The replay of a create never repeats the secret: it is not kept in plain text anywhere.
    return await idempotent(unit, admin, idempotency_key, body, run, redact=_drop_secret)


@router.get("/v1/api-clients/{client_pk}", operation_id="get_api_client", summary="Read a machine client (admin)",
            response_model=ApiClientRead)
async def get_api_client(client_pk: uuid.UUID, admin: AdminDep, unit: UnitDep) -> Response:
    machine = await api_clients.get(unit.session, client_pk)
    return json_response(ApiClientRead.model_validate(machine), version=machine.version)


@router.patch("/v1/api-clients/{client_pk}", operation_id="update_api_client",
              summary="Rename a machine client or (de)activate it (admin)", response_model=ApiClientRead)
async def update_api_client(client_pk: uuid.UUID, body: ApiClientUpdate, admin: AdminDep, unit: UnitDep,
                            expected: IfMatchDep) -> Response:
    machine = await api_clients.get(unit.session, client_pk)
    check_version(machine.version, expected)
    machine = await api_clients.update(unit, machine, body)
    return json_response(ApiClientRead.model_validate(machine), version=machine.version)


@router.post("/v1/api-clients/{client_pk}/rotate-secret", operation_id="rotate_api_client_secret",
             summary="Replace a machine client's secret; the old one stops working at once (admin)",
             response_model=ApiClientWithSecret)
async def rotate_api_client_secret(client_pk: uuid.UUID, admin: AdminDep, unit: UnitDep,
                                   expected: IfMatchDep) -> Response:
    # If-Match: a retried rotation must not silently replace the secret the first one handed out.
    machine = await api_clients.get(unit.session, client_pk)
    check_version(machine.version, expected)
    machine, secret = await api_clients.rotate_secret(unit, machine)
    return json_response(_with_secret(machine, secret), version=machine.version)


# --- OAuth clients: the web and mobile apps staff sign in through -----------------------------

def _oauth_with_secret(client: OAuthClient, secret: str | None) -> OAuthClientWithSecret:
    return OAuthClientWithSecret(**OAuthClientRead.model_validate(client).model_dump(), client_secret=secret)


@router.get("/v1/oauth-clients", operation_id="list_oauth_clients",
            summary="List the apps staff sign in through (admin)", response_model=Page[OAuthClientRead])
async def list_oauth_clients(admin: AdminDep, unit: UnitDep, page: PageDep,
                             active: Annotated[bool | None, Query()] = None) -> Response:
    rows = await oauth_clients.list_page(unit.session, page, active=active)
    items, next_cursor = cut(rows, page, lambda c: [c.client_id])
    return json_response(Page[OAuthClientRead](items=[OAuthClientRead.model_validate(c) for c in items],
                                               next_cursor=next_cursor))


@router.post("/v1/oauth-clients", operation_id="create_oauth_client",
             summary="Register a web or mobile app for sign-in (authorization code with PKCE); a confidential "
             "client's secret is in the response, once (admin)", status_code=201, response_model=OAuthClientWithSecret)
async def create_oauth_client(body: OAuthClientCreate, admin: AdminDep, unit: UnitDep,
                              idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def run() -> Response:
        client, secret = await oauth_clients.create(unit, body)
        return json_response(_oauth_with_secret(client, secret), status_code=201, version=client.version,
                             location=f"/v1/oauth-clients/{client.id}")

    return await idempotent(unit, admin, idempotency_key, body, run, redact=_drop_secret)


@router.get("/v1/oauth-clients/{client_pk}", operation_id="get_oauth_client",
            summary="Read a sign-in app's registration (admin)", response_model=OAuthClientRead)
async def get_oauth_client(client_pk: uuid.UUID, admin: AdminDep, unit: UnitDep) -> Response:
    client = await oauth_clients.get(unit.session, client_pk)
    return json_response(OAuthClientRead.model_validate(client), version=client.version)


@router.patch("/v1/oauth-clients/{client_pk}", operation_id="update_oauth_client",
              summary="Rename a sign-in app, change its redirect URIs or (de)activate it (admin)",
              response_model=OAuthClientRead)
async def update_oauth_client(client_pk: uuid.UUID, body: OAuthClientUpdate, admin: AdminDep, unit: UnitDep,
                              expected: IfMatchDep) -> Response:
    client = await oauth_clients.get(unit.session, client_pk)
    check_version(client.version, expected)
    client = await oauth_clients.update(unit, client, body)
    return json_response(OAuthClientRead.model_validate(client), version=client.version)
