from __future__ import annotations

import uuid
from typing import Literal

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from api.conventions import NO_STORE, IdempotencyKeyDep, IfMatchDep, etag, idempotent, json_response
from api.db.models import Referral
from api.deps import PrincipalDep, UnitDep
from api.domain.fhir_referral import FHIR_JSON
from api.domain.fiscal import today_tokyo
from api.domain.referral_transitions import ReferralStatus, is_overdue
from api.pagination import Page, PageDep
from api.routing import CommitRoute
from api.schemas.referrals import (
    ChainEntry,
    MessageCreate,
    MessageRead,
    ProvisionRead,
    ReferralChain,
    ReferralCreate,
    ReferralDetail,
    ReferralPartnerDetail,
    ReferralPartnerRead,
    ReferralPurpose,
    ReferralRead,
    ReferralStatusName,
    ReferralTransition,
)
from api.services import read_models as views
from api.services import referral_fhir as fhir_service
from api.services import referral_history as record_service
from api.services import referral_vacancy, shaping
from api.services import referrals as referral_service
from api.services.shaping import shaped_page

router = APIRouter(tags=["referrals"], route_class=CommitRoute)


shape = views.referral_view


def chain_entry(r: Referral) -> ChainEntry:
    return ChainEntry(id=r.id, part_of=r.part_of_id, from_agency_id=r.from_agency_id, to_agency_id=r.to_agency_id,
                      purpose=r.purpose, status=r.status, status_reason=r.status_reason, due_on=r.due_on,
                      overdue=is_overdue(ReferralStatus(r.status), r.due_on, today_tokyo()), updated_at=r.updated_at)


@router.get("/v1/referrals", operation_id="list_referrals",
            summary="Referrals the caller sends (box=outgoing) or receives (box=incoming)",
            response_model=Page[ReferralRead | ReferralPartnerRead])
async def list_referrals(
    principal: PrincipalDep,
    unit: UnitDep,
    page: PageDep,
    box: Literal["incoming", "outgoing"] | None = None,
    status: ReferralStatusName | None = None,
    purpose: ReferralPurpose | None = None,
    overdue: bool | None = None,
    client_id: uuid.UUID | None = None,
) -> Response:
    rows, cursor = await referral_service.list_visible(unit, principal, page, box=box, status=status,
                                                       purpose=purpose, overdue=overdue, client_id=client_id)
    return json_response(shaped_page(shaping.shape_many(principal, rows),
                                     cursor))


@router.post("/v1/referrals", operation_id="create_referral", status_code=201,
             summary="Draft a referral (send it with the `send` transition)",
             response_model=ReferralDetail | ReferralPartnerDetail)
async def create_referral(body: ReferralCreate, principal: PrincipalDep, unit: UnitDep,
                          idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        created = await referral_service.create(unit, principal, body)
        seen, history = await referral_service.detail(unit, principal, created.referral.id)
        vacancy = await referral_vacancy.live_vacancy(unit.session, seen.referral.to_service_id)
        return json_response(views.referral_detail_view(principal, seen, history, vacancy), status_code=201,
                             version=seen.referral.version, location=f"/v1/referrals/{seen.referral.id}")

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/referrals/{referral_id}", operation_id="get_referral",
            summary="One referral with its status history", response_model=ReferralDetail | ReferralPartnerDetail)
async def get_referral(referral_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    seen, history = await referral_service.detail(unit, principal, referral_id)
    vacancy = await referral_vacancy.live_vacancy(unit.session, seen.referral.to_service_id)
    return json_response(views.referral_detail_view(principal, seen, history, vacancy),
                         version=seen.referral.version)


@router.get("/v1/referrals/{referral_id}/fhir", operation_id="get_referral_fhir",
            summary="The referral as a FHIR R4 Bundle (Task, ServiceRequest, Patient, Consent, Organizations)",
            description="The receiving agency's view in FHIR (JP Core profiles where they apply), whoever asks: "
                        "the Patient carries only the fields shared when the referral was sent, and neither the "
                        "client's nor the consent's record id appears. Same visibility and audit as the JSON "
                        "detail.",
            responses={200: {"content": {FHIR_JSON: {"schema": {"type": "object"}}}}},
            response_class=Response)
async def get_referral_fhir(referral_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    body, version = await fhir_service.bundle(unit, principal, referral_id)
    return Response(orjson.dumps(body), media_type=FHIR_JSON, headers={**NO_STORE, "ETag": etag(version)})


@router.post("/v1/referrals/{referral_id}/transitions", operation_id="transition_referral",
             summary="Send or cancel (sender); receive, accept, reject, start, complete or fail (receiver)",
             response_model=ReferralDetail | ReferralPartnerDetail)
async def transition_referral(referral_id: uuid.UUID, body: ReferralTransition, expected: IfMatchDep,
                              principal: PrincipalDep, unit: UnitDep) -> Response:
    seen = await referral_service.transition(unit, principal, referral_id, body, expected)
    history = await referral_service.history_of(unit, seen)
    vacancy = await referral_vacancy.live_vacancy(unit.session, seen.referral.to_service_id)
    return json_response(views.referral_detail_view(principal, seen, history, vacancy),
                         version=seen.referral.version)


@router.get("/v1/referrals/{referral_id}/chain", operation_id="get_referral_chain",
            summary="Status of every referral in this one's chain (all of it for the original sender)",
            response_model=ReferralChain)
async def get_referral_chain(referral_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep) -> Response:
    root, members = await record_service.chain(unit, principal, referral_id)
    return json_response(shaping.shape(principal, ReferralChain(root_id=root.id,
                                                                 items=[chain_entry(m) for m in members])))


@router.get("/v1/referrals/{referral_id}/messages", operation_id="list_referral_messages",
            summary="The message thread between the two agencies", response_model=Page[MessageRead])
async def list_referral_messages(referral_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                                 page: PageDep) -> Response:
    rows, cursor = await record_service.list_messages(unit, principal, referral_id, page)
    return json_response(shaped_page([shaping.shape(principal, MessageRead.model_validate(m)) for m in rows],
                                     cursor))


@router.post("/v1/referrals/{referral_id}/messages", operation_id="post_referral_message", status_code=201,
             summary="Write to the referral's thread (either agency)", response_model=MessageRead)
async def post_referral_message(referral_id: uuid.UUID, body: MessageCreate, principal: PrincipalDep,
                                unit: UnitDep, idempotency_key: IdempotencyKeyDep = None) -> Response:
    async def create() -> Response:
        message = await record_service.post_message(unit, principal, referral_id, body)
        return json_response(shaping.shape(principal, MessageRead.model_validate(message)), status_code=201)

    return await idempotent(unit, principal, idempotency_key, body, create)


@router.get("/v1/clients/{client_id}/provisions", operation_id="list_client_provisions",
            summary="Third-party provision records of a client (第三者提供の記録)", response_model=Page[ProvisionRead])
async def list_client_provisions(client_id: uuid.UUID, principal: PrincipalDep, unit: UnitDep,
                                 page: PageDep) -> Response:
    rows, cursor = await record_service.list_provisions(unit, principal, client_id, page)
    return json_response(shaped_page([shaping.shape(principal, ProvisionRead.model_validate(p)) for p in rows],
                                     cursor))
