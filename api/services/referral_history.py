"""What grows around a referral: its message thread, the chain it belongs to, and the client's
third-party provision records (第三者提供の記録)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from api.db.models import Referral, ReferralMessage, ThirdPartyProvision
from api.db.scopes import referrals_visible_to
from api.db.unit import RequestUnit
from api.domain.principal import Principal
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.problems import id_taken
from api.schemas.referrals import MessageCreate
from api.services import clients as client_service
from api.services import referrals as referral_service
from api.services.events import emit

# A chain is a handful of hops in practice; the bound keeps a corrupted one from looping.
MAX_CHAIN_DEPTH = 20


async def list_messages(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID, page: PageParams,
                        ) -> tuple[list[ReferralMessage], str | None]:
    seen = await referral_service.get_visible(unit, principal, referral_id)
    stmt = select(ReferralMessage).where(ReferralMessage.referral_id == referral_id)
    order = [ReferralMessage.created_at, ReferralMessage.id]
    stmt = keyset(stmt, order, typed_cursor(page, [datetime.fromisoformat, uuid.UUID]))
    rows = (await unit.session.scalars(stmt)).all()
    items, cursor = cut(rows, page, lambda m: [m.created_at.isoformat(), str(m.id)])
    unit.audit("read", "referral_message", resource_id=referral_id, client_id=seen.referral.client_id,
               subject="list")
    return items, cursor


async def post_message(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID,
                       body: MessageCreate) -> ReferralMessage:
    seen = await referral_service.get_visible(unit, principal, referral_id)
    referral = seen.referral
    if body.id is not None and await unit.session.get(ReferralMessage, body.id) is not None:
        raise id_taken()
    message = ReferralMessage(id=body.id or uuid.uuid4(), referral_id=referral.id, author_id=principal.id,
                              author_kind=principal.kind, author_name=principal.name,
                              author_agency_id=principal.agency_id, body=body.body)
    unit.session.add(message)
    await unit.session.flush()
    unit.audit("create", "referral_message", resource_id=message.id, client_id=referral.client_id,
               detail={"referral_id": str(referral.id)})
    # A draft is the sender's alone: its receiver hears of nothing until it is sent.
    agencies = [referral.from_agency_id] if referral.status == "draft" else [referral.from_agency_id,
                                                                              referral.to_agency_id]
    await emit(unit, "referral.message_posted", "referral", referral.id, agencies)
    return message


async def chain(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID,
                ) -> tuple[Referral, list[Referral]]:
    """The root and every referral spawned from it, hop by hop. The root's sender sees
    the whole chain's status; anyone else only the links they see anyway."""
    seen = await referral_service.get_visible(unit, principal, referral_id)
    session = unit.session
    root = seen.referral
    for _ in range(MAX_CHAIN_DEPTH):
        if root.part_of_id is None:
            break
        parent = await session.get(Referral, root.part_of_id)
        assert parent is not None
        root = parent
    members = [root]
    frontier = [root.id]
    for _ in range(MAX_CHAIN_DEPTH):
        if not frontier:
            break
        children = (await session.scalars(select(Referral).where(Referral.part_of_id.in_(frontier))
                                          .order_by(Referral.created_at, Referral.id))).all()
        members.extend(children)
        frontier = [c.id for c in children]
    if not await referral_service.is_sender_of(unit, principal, root.id):
        ids = [m.id for m in members]
        visible = set((await session.scalars(
            select(Referral.id).where(Referral.id.in_(ids), referrals_visible_to(principal)))).all())
        members = [m for m in members if m.id in visible]
    unit.audit("read", "referral", resource_id=referral_id, client_id=root.client_id, subject="chain")
    return root, members


async def list_provisions(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, page: PageParams,
                          ) -> tuple[Sequence[ThirdPartyProvision], str | None]:
    await client_service.get_visible(unit, principal, client_id)
    stmt = select(ThirdPartyProvision).where(ThirdPartyProvision.client_id == client_id)
    order = [ThirdPartyProvision.provided_at, ThirdPartyProvision.id]
    stmt = keyset(stmt, order, typed_cursor(page, [datetime.fromisoformat, uuid.UUID]))
    rows = (await unit.session.scalars(stmt)).all()
    items, cursor = cut(rows, page, lambda p: [p.provided_at.isoformat(), str(p.id)])
    unit.audit("read", "third_party_provision", client_id=client_id, subject="list")
    return items, cursor
