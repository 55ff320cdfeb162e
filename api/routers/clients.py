from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.conventions import IdempotencyKeyDep, IfMatchDep, idempotent, json_response, list_response
from api.deps import PrincipalDep, UnitDep
from api.domain.kana import normalize_kana
from api.domain.principal import Principal
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.clients import (
    AccessLogEntry,
    CareTeamMemberCreate,
    CareTeamMemberEnd,
    CareTeamMemberRead,
    ClientCreate,
    ClientDeactivate,
    ClientPeerRead,
    ClientRead,
    ClientUpdate,
    ConsentCreate,
    ConsentRead,
    ConsentWithdraw,
    WithdrawalResult,
)
from api.schemas.common import Tombstone
from api.services import care_team as team_service
from api.services import clients as client_service
from api.services import consent_withdrawal, shaping
from api.services import consents as consent_service
from api.services import read_models as views
from api.services.shaping import Shaped, shaped_page

router = APIRouter(tags=["clients"], route_class=CommitRoute)

def shape(principal: Principal, client: Any) -> Shaped:
    """The field policy decides what each role sees (ClientPeerRead documents a peer supporter's)."""
    return views.client_view(principal, client)


@router.get("/v1/clients", operation_id="list_clients", summary="Clients the caller may see, in 50音順",
            response_model=Page[ClientRead | ClientPeerRead | Tombstone])
async def list_clients(
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    kana: Annotated[str | None, Query(max_length=100, description="Kana prefix (any kana script)")] = None,
    branch_code: Annotated[str | None, Query(max_length=32)] = None,
    include_inactive: bool = False,
) -> Response:
    prefix = normalize_kana(kana) if kana else None
    rows, cursor = await client_service.list_visible(unit, principal, page, kana_prefix=prefix,
                                                     branch_code=branch_code, include_inactive=include_inactive)
    if any(isinstance(r, tuple) for r in rows):
        items = [shaping.shape(principal, Tombstone(id=r[0], updated_at=r[1])) if isinstance(r, tuple)
                 else shape(principal, r) for r in rows]
        return json_response(shaped_page(items, cursor))
    return json_response(shaped_page(views.client_rows(principal, rows), cursor))


@router.post("/v1/clients", operation_id="create_client", status_code=201, response_model=ClientRead,
             summary="Register a client (joins the creator to the care team)")
async def create_client(body: ClientCreate, principal: PrincipalDep, unit: UnitDep,
                        idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        client = await client_service.create(unit, principal, body)
        return json_response(shape(principal, client), status_code=201, version=client.version,
                             location=f"/v1/clients/{client.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/clients/{client_id}", operation_id="get_client", summary="One client, shaped for the caller's role",
            response_model=ClientRead | ClientPeerRead)
async def get_client(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    client = await client_service.read(unit, principal, client_id)
    return json_response(shaping.shape(principal, client), version=client.version)


@router.patch("/v1/clients/{client_id}", operation_id="update_client", summary="Change a client's record (If-Match)",
              response_model=ClientRead)
async def update_client(client_id: uuid.UUID, body: ClientUpdate, expected: IfMatchDep, principal: PrincipalDep,
                        unit: UnitDep) -> Response:
    client = await client_service.update(unit, principal, client_id, body, expected)
    return json_response(shape(principal, client), version=client.version)


@router.post("/v1/clients/{client_id}/deactivate", operation_id="deactivate_client",
             summary="Deactivate a client with a reason (clients are never deleted)", response_model=ClientRead)
async def deactivate_client(client_id: uuid.UUID, body: ClientDeactivate, expected: IfMatchDep,
                            principal: PrincipalDep, unit: UnitDep) -> Response:
    client = await client_service.deactivate(unit, principal, client_id, body.reason, expected)
    return json_response(shape(principal, client), version=client.version)


@router.get("/v1/clients/{client_id}/access-log", operation_id="get_client_access_log",
            summary="Who saw or changed this person's record, when and why (for disclosure requests)",
            response_model=Page[AccessLogEntry])
async def get_client_access_log(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                                page: PageDep) -> Response:
    events, cursor = await client_service.access_log(unit, principal, client_id, page)
    entries = [AccessLogEntry.model_validate(e, from_attributes=True) for e in events]
    return json_response(shaped_page(shaping.shape_all(principal, entries), cursor))


@router.get("/v1/clients/{client_id}/consents", operation_id="list_consents",
            summary="Every version of the client's consent", response_model=list[ConsentRead])
async def list_consents(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    consents = await consent_service.list_for_client(unit, principal, client_id)
    return list_response([views.consent_view(principal, c) for c in consents])


@router.post("/v1/clients/{client_id}/consents", operation_id="record_consent",
             summary="Record a consent (a new version)", status_code=201, response_model=ConsentRead)
async def record_consent(client_id: uuid.UUID, body: ConsentCreate, principal: PrincipalDep, unit: UnitDep,
                         idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        consent = await consent_service.record(unit, principal, client_id, body)
        return json_response(views.consent_view(principal, consent), status_code=201, version=consent.version,
                             location=f"/v1/clients/{client_id}/consents/{consent.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.post("/v1/clients/{client_id}/consents/{consent_id}/withdraw", operation_id="withdraw_consent",
             summary="Withdraw a consent: episodes and referrals that relied on it end in the same request",
             response_model=WithdrawalResult)
async def withdraw_consent(client_id: uuid.UUID, consent_id: uuid.UUID, body: ConsentWithdraw, expected: IfMatchDep,
                           principal: PrincipalDep, unit: UnitDep) -> Response:
    done = await consent_withdrawal.withdraw(unit, principal, client_id, consent_id, body.withdrawn_on, body.reason,
                                             expected)
    result = WithdrawalResult(consent=views.consent_read(done.consent), closed_episode_ids=done.closed_episode_ids,
                              cancelled_referral_ids=done.cancelled_referral_ids)
    return json_response(shaping.shape(principal, result), version=done.consent.version)


@router.get("/v1/clients/{client_id}/care-team", operation_id="list_care_team",
            summary="The staff around one client", response_model=list[CareTeamMemberRead])
async def list_care_team(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    members = await team_service.list_members(unit, principal, client_id)
    return list_response([views.member_view(principal, m) for m in members])


@router.post("/v1/clients/{client_id}/care-team", operation_id="add_care_team_member",
             summary="Add a member to the care team (grants access)", status_code=201,
             response_model=CareTeamMemberRead)
async def add_care_team_member(client_id: uuid.UUID, body: CareTeamMemberCreate, principal: PrincipalDep,
                               unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        member = await team_service.add_member(unit, principal, client_id, body)
        return json_response(views.member_view(principal, member), status_code=201,
                             version=member.version)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.post("/v1/clients/{client_id}/care-team/{member_id}/end", operation_id="end_care_team_membership",
             summary="End a membership (access ends with it)", response_model=CareTeamMemberRead)
async def end_care_team_membership(client_id: uuid.UUID, member_id: uuid.UUID, body: CareTeamMemberEnd,
                                   expected: IfMatchDep, principal: PrincipalDep, unit: UnitDep) -> Response:
    member = await team_service.end_membership(unit, principal, client_id, member_id, body.to_date, expected)
    return json_response(views.member_view(principal, member), version=member.version)
