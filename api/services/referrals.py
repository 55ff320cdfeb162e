"""Referrals: drafting, the consent-gated send, the two sides' transitions, reads and lists.

The policy lives in api/db/scopes.py (`referrals_sent_by`, `referrals_addressed_to`) and
api/domain (transitions, sharing); this module applies it. Message threads, chains and provision
records are in api.services.referral_history."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db import record_owners
from api.db.models import Agency, Client, Consent, Episode, Referral, ReferralStatusChange, Service, ThirdPartyProvision
from api.db.models.base import OPEN_END_SQL
from api.db.scopes import (
    Binds,
    client_visible,
    client_visible_sql,
    episodes_visible_to,
    referable_clients,
    referrals_addressed_to,
    referrals_addressed_to_sql,
    referrals_sent_by,
    referrals_sent_by_sql,
    referrals_visible_sql,
    referrals_visible_to,
)
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, On, can, is_third_party
from api.domain.consent_rules import (
    REFERRAL_ACTION_ON_WITHDRAWAL,
    WITHDRAWAL_REASON,
    ConsentStatus,
    covers,
    status_of,
)
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.domain.referral_sharing import consent_purposes_for, data_categories_for, snapshot_of
from api.domain.referral_transitions import (
    AWAITING_ANSWER,
    OPEN_STATUSES,
    REFERRAL_TRANSITIONS,
    SIDE_OF_ACTION,
    ReferralAction,
    ReferralStatus,
    is_overdue,
    missing_requirements,
)
from api.domain.transitions import IllegalTransition
from api.messages import msg
from api.pagination import PageParams, after_sql, cut, typed_cursor
from api.problems import Problem, id_taken, illegal_transition, invalid_field
from api.schemas.referrals import ReferralCreate, ReferralPartnerRead, ReferralRead, ReferralTransition
from api.services import consents as consent_service
from api.services import referral_vacancy
from api.services import refusals as refusal_service
from api.services.events import emit
from api.services.guard import invisible, require
from api.services.shaping import read_page

EVENT_OF_ACTION = {
    ReferralAction.SEND: "referral.sent", ReferralAction.RECEIVE: "referral.received",
    ReferralAction.ACCEPT: "referral.accepted", ReferralAction.REJECT: "referral.rejected",
    ReferralAction.START: "referral.started", ReferralAction.COMPLETE: "referral.completed",
    ReferralAction.CANCEL: "referral.cancelled", ReferralAction.FAIL: "referral.failed",
}
# Only a referral the caller has taken on can be continued to a third agency.
_CONTINUABLE = (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
_FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class Seen:
    """A referral and the caller's relation to it, decided by the one access policy."""

    referral: Referral
    sender: bool
    receiver: bool
    sees_client: bool

    def allowed_actions(self) -> list[str]:
        return allowed_actions(self.referral.status, self.sender, self.receiver)

    @property
    def overdue(self) -> bool:
        return is_overdue(ReferralStatus(self.referral.status), self.referral.due_on, today_tokyo())


def allowed_actions(status: str, sender: bool, receiver: bool) -> list[str]:
    """The transitions a caller on these sides of a referral may take from `status`."""
    sides = {"sender"} if sender else set()
    if receiver:
        sides.add("receiver")
    return [a for a in REFERRAL_TRANSITIONS.allowed_actions(ReferralStatus(status)) if SIDE_OF_ACTION[a] in sides]


# A referral's read model is built here from its column values, whether they come from the ORM row
# (`seen_read_model`, the detail and the change feed) or from a list's pre-built statement.
_COMMON_COLUMNS = ("id", "from_agency_id", "to_agency_id", "to_service_id", "part_of_id", "purpose", "priority",
                   "reason", "due_on", "status", "status_reason", "business_status", "shared_fields",
                   "shared_snapshot", "sent_at", "created_at", "updated_at", "version")
_CLIENT_COLUMNS = ("client_id", "episode_id", "consent_id", "needs_summary", "requester_id")
_READ_COLUMNS = _COMMON_COLUMNS + _CLIENT_COLUMNS


def read_fields(principal: Principal, r: Mapping[str, Any], sender: bool, receiver: bool, sees_client: bool,
                today: date) -> tuple[type[ReferralRead] | type[ReferralPartnerRead], dict[str, Any]]:
    """Staff who can see the client get the sending side's view (ReferralRead); everyone else
    (partners, receiving coordinators) only the snapshot that was shared (ReferralPartnerRead)."""
    fields = {name: r[name] for name in _COMMON_COLUMNS if name != "part_of_id"}
    fields.update(part_of=r["part_of_id"], shared_fields=list(r["shared_fields"]),
                  shared_snapshot=dict(r["shared_snapshot"] or {}),
                  overdue=is_overdue(ReferralStatus(r["status"]), r["due_on"], today),
                  allowed_actions=allowed_actions(r["status"], sender, receiver))
    if sees_client and not is_third_party(principal):
        fields.update({name: r[name] for name in _CLIENT_COLUMNS})
        return ReferralRead, fields
    return ReferralPartnerRead, fields


def seen_read_model(principal: Principal, seen: Seen) -> ReferralRead | ReferralPartnerRead:
    values = {name: getattr(seen.referral, name) for name in _READ_COLUMNS}
    model, fields = read_fields(principal, values, seen.sender, seen.receiver, seen.sees_client, today_tokyo())
    return model(**fields)


def _page_models(pairs: Sequence[tuple[type[BaseModel], dict[str, Any]]]) -> list[Any]:
    """Validate a page's read models with one call per model (a page is mostly of one)."""
    out: list[Any] = [None] * len(pairs)
    for model in {m for m, _ in pairs}:
        places = [i for i, (m, _) in enumerate(pairs) if m is model]
        for i, item in zip(places, read_page(model, [pairs[i][1] for i in places]), strict=True):
            out[i] = item
    return out


def relation_columns(principal: Principal) -> list[Any]:
    return [referrals_sent_by(principal).label("sender"), referrals_addressed_to(principal).label("receiver"),
            client_visible(principal, Referral.client_id).label("sees_client")]


def seen_from_row(row: Any) -> Seen:
    return Seen(row[0], bool(row.sender), bool(row.receiver), bool(row.sees_client))


async def get_visible(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID, *,
                      for_update: bool = False) -> Seen:
    stmt = select(Referral, *relation_columns(principal)).where(Referral.id == referral_id,
                                                                 referrals_visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update(of=Referral)
    row = (await unit.session.execute(stmt)).one_or_none()
    if row is None:
        raise await invisible(unit, "referral", referral_id)
    return seen_from_row(row)


async def create(unit: RequestUnit, principal: Principal, body: ReferralCreate) -> Seen:
    session = unit.session
    # A refusal by role names the client too, so it shows in that client's access log.
    named = await record_owners.client_of(session, "client", body.client_id) if body.client_id else None
    require(unit, principal, Action.referral_send, resource_type="referral", client_id=named)
    if body.part_of is not None:
        parent = await get_visible(unit, principal, body.part_of)
        if not parent.receiver:
            raise invalid_field("part_of", msg("referral.onward_needs_received"))
        if parent.referral.status not in _CONTINUABLE:
            raise Problem("conflict", msg("referral.accept_first"))
        beyond = sorted(set(body.shared_fields) - set(parent.referral.shared_fields))
        if beyond:
            # The onward sender only ever received the parent's snapshot: it cannot pass on more.
            raise invalid_field("shared_fields", msg("referral.onward_shares_more", fields=beyond))
        client_id = parent.referral.client_id
        if body.episode_id is not None:
            raise invalid_field("episode_id", msg("referral.onward_no_episode"))
    else:
        assert body.client_id is not None
        found = await session.scalar(select(Client.id).where(Client.id == body.client_id,
                                                              referable_clients(principal)))
        if found is None:
            raise await invisible(unit, "client", body.client_id)
        client_id = found
        if body.episode_id is not None and await session.scalar(select(Episode.id).where(
                Episode.id == body.episode_id, Episode.client_id == client_id, episodes_visible_to(principal))) is None:
            raise invalid_field("episode_id", msg("referral.unknown_episode"))
    to_agency = await session.get(Agency, body.to_agency_id)
    if to_agency is None or not to_agency.active:
        raise invalid_field("to_agency_id", msg("referral.unknown_agency"))
    if to_agency.id == principal.agency_id:
        raise invalid_field("to_agency_id", msg("referral.same_agency"))
    if body.to_service_id is not None:
        service = await session.get(Service, body.to_service_id)
        if service is None or service.agency_id != to_agency.id or service.status == "inactive":
            raise invalid_field("to_service_id", msg("referral.not_open_service"))
        await referral_vacancy.check_vacancy(session, body.to_service_id, body.confirm_no_vacancy)
    # --- issue 18: refusals --- an agency the client refused: 409 unless overridden.
    override = await refusal_service.check_referral(unit, client_id, to_agency.id, body.refusal_override_reason,
                                                    name_source=not is_third_party(principal))
    if body.id is not None and await session.get(Referral, body.id) is not None:
        raise id_taken()
    referral = Referral(
        id=body.id or uuid.uuid4(), from_agency_id=principal.agency_id, requester_id=principal.id,
        requester_kind=principal.kind, to_agency_id=to_agency.id, to_service_id=body.to_service_id,
        client_id=client_id, episode_id=body.episode_id, purpose=body.purpose, priority=body.priority,
        reason=body.reason, due_on=body.due_on, status=ReferralStatus.DRAFT, part_of_id=body.part_of,
        shared_fields=sorted(body.shared_fields), needs_summary=body.needs_summary,
    )
    session.add(referral)
    await session.flush()
    session.add(ReferralStatusChange(referral_id=referral.id, action="create", from_status=None, to_status="draft",
                                     by_principal=principal.id, by_agency_id=principal.agency_id))
    await session.flush()
    unit.audit("create", "referral", resource_id=referral.id, client_id=client_id, detail=override)
    return await get_visible(unit, principal, referral.id)


async def transition(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID, body: ReferralTransition,
                     expected_version: int) -> Seen:
    """One read of the referral, locked (SELECT ... FOR UPDATE) for the whole change; the next status
    is decided once here and applied as decided. The returned Seen is that row as changed: the
    caller's relation to it stands (a status change moves no referral out of its sender's sight, and
    only `send` leaves draft, which a sender cannot receive: sending to one's own agency is refused)."""
    seen = await get_visible(unit, principal, referral_id, for_update=True)
    referral = seen.referral
    action = ReferralAction(body.action)
    side = SIDE_OF_ACTION[action]
    on_side = seen.sender if side == "sender" else seen.receiver
    require(unit, principal, Action.referral_send if side == "sender" else Action.referral_answer,
            On(side=side, on_side=on_side, step=action.value),
            resource_type="referral", resource_id=referral.id, client_id=referral.client_id)
    check_version(referral.version, expected_version)
    if body.business_status is not None and side != "receiver":
        raise invalid_field("business_status", msg("referral.business_status_receiver"))
    try:
        target = REFERRAL_TRANSITIONS.target(ReferralStatus(referral.status), action)
    except IllegalTransition as exc:
        raise illegal_transition(referral.status, action.value, seen.allowed_actions()) from exc
    if missing_requirements(action, body.reason):
        raise invalid_field("reason", msg("referral.reason_required", action=action.value))
    if action == ReferralAction.SEND:
        # --- issue 18: refusals --- recorded since the draft was made.
        override = await refusal_service.check_referral(
            unit, referral.client_id, referral.to_agency_id, body.refusal_override_reason,
            recorded_after=referral.created_at, name_source=not is_third_party(principal))
        if override is not None:
            unit.audit("refusal_override", "referral", resource_id=referral.id, client_id=referral.client_id,
                       detail=override)
        await _send(unit, principal, referral)
    if body.business_status is not None:
        referral.business_status = body.business_status
    await apply(unit, principal, referral, action, target, body.reason)
    return seen


async def apply(unit: RequestUnit, principal: Principal, referral: Referral, action: ReferralAction,
                target: ReferralStatus, reason: str | None) -> None:
    """The status change to *target* (decided by the caller from REFERRAL_TRANSITIONS, on the locked
    row), its history row, audit event and webhook event: every path changes a referral's status
    through here (a withdrawal of consent too)."""
    previous = referral.status
    referral.status = target
    referral.status_reason = reason
    unit.session.add(ReferralStatusChange(referral_id=referral.id, action=action.value, from_status=previous,
                                          to_status=referral.status, reason=reason, by_principal=principal.id,
                                          by_agency_id=principal.agency_id))
    await unit.session.flush()
    unit.audit("transition", "referral", resource_id=referral.id, client_id=referral.client_id,
               detail={"action": action.value, "from": previous, "to": referral.status})
    await emit(unit, EVENT_OF_ACTION[action], "referral", referral.id, [referral.from_agency_id, referral.to_agency_id])


async def _send(unit: RequestUnit, principal: Principal, referral: Referral) -> None:
    """The consent gate, the frozen snapshot and the third-party provision record."""
    session = unit.session
    agency = await session.get(Agency, referral.to_agency_id)
    assert agency is not None
    today = today_tokyo()
    purposes = consent_purposes_for(referral.purpose)
    categories = data_categories_for(referral.shared_fields)
    consent, missing = await _covering_consent(session, referral.client_id, agency, purposes, categories, today)
    if consent is None:
        raise Problem("consent-missing", msg("referral.consent_missing", missing=missing), missing=missing)
    if referral.part_of_id is not None:
        parent = await session.get(Referral, referral.part_of_id)
        assert parent is not None
        if parent.status not in _CONTINUABLE:
            raise Problem("conflict", msg("referral.parent_closed"))
        values = dict(parent.shared_snapshot or {})
    else:
        client = await session.get(Client, referral.client_id)
        assert client is not None
        values = client_values(client)
    values["needs_summary"] = referral.needs_summary
    referral.shared_snapshot = snapshot_of(referral.shared_fields, values)
    referral.consent_id = consent.id
    referral.sent_at = datetime.now(UTC)
    session.add(ThirdPartyProvision(
        client_id=referral.client_id, recipient_agency_id=agency.id, referral_id=referral.id,
        data_items=list(referral.shared_fields), data_categories=categories, purpose=referral.purpose,
        consent_id=consent.id, provided_by=principal.id, provided_by_kind=principal.kind,
        provided_by_name=principal.name, provider_agency_id=principal.agency_id,
    ))
    await session.flush()
    unit.audit("create", "third_party_provision", resource_id=referral.id, client_id=referral.client_id,
               detail={"recipient_agency_id": str(agency.id), "items": list(referral.shared_fields)})


def client_values(client: Client) -> dict[str, Any]:
    contacts = [{k: c.get(k) for k in ("kind", "name", "relation", "phone")} for c in client.emergency_contacts]
    return {
        "name": client.name, "kana": client.kana, "date_of_birth": client.date_of_birth.isoformat(),
        "contact": {"phone": client.phone, "emergency_contacts": contacts},
        "diagnosis_group": client.diagnosis_group,
    }


async def _covering_consent(session: AsyncSession, client_id: uuid.UUID, agency: Agency, purposes: list[str],
                            categories: list[str], today: date) -> tuple[Consent | None, list[str]]:
    """The newest active consent covering the recipient, every purpose and every category; else
    what the closest consent lacks (names of codes only, never client data)."""
    active = [c for c in await consent_service.active_consents(session, client_id)
              if status_of(c, today) == ConsentStatus.ACTIVE]
    for consent in active:
        if all(covers(consent, today, purpose=p, agency_id=agency.id, agency_type=agency.type,
                                      data_categories=categories) for p in purposes):
            return consent, []
    if not active:
        return None, ["active_consent"]
    gaps = []
    for consent in active:
        missing = [] if covers(consent, today, purpose=consent.purposes[0], agency_id=agency.id,
                                               agency_type=agency.type) else [f"recipient:{agency.type}"]
        missing += [f"purpose:{p}" for p in purposes if p not in consent.purposes]
        missing += [f"data_category:{c}" for c in categories if c not in consent.data_categories]
        gaps.append(missing)
    return None, min(gaps, key=len)


async def cancel_relying_on(unit: RequestUnit, principal: Principal, consent: Consent) -> list[uuid.UUID]:
    """After a withdrawal: the client's wish ends every open referral sent on this consent, through
    REFERRAL_TRANSITIONS (the action consent_rules names). Returns the ids cancelled."""
    referrals = (await unit.session.scalars(
        select(Referral).where(Referral.consent_id == consent.id, Referral.status.in_(sorted(OPEN_STATUSES)))
        .order_by(Referral.created_at, Referral.id).with_for_update()
    )).all()
    action = REFERRAL_ACTION_ON_WITHDRAWAL
    for referral in referrals:
        target = REFERRAL_TRANSITIONS.target(ReferralStatus(referral.status), action)
        await apply(unit, principal, referral, action, target, WITHDRAWAL_REASON)
    return [r.id for r in referrals]


async def detail(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID
                 ) -> tuple[Seen, Sequence[ReferralStatusChange]]:
    seen = await get_visible(unit, principal, referral_id)
    return seen, await history_of(unit, seen)


async def history_of(unit: RequestUnit, seen: Seen) -> Sequence[ReferralStatusChange]:
    """The status history of a referral already read (and so already checked), recorded as a read."""
    referral_id = seen.referral.id
    history = (await unit.session.scalars(
        select(ReferralStatusChange).where(ReferralStatusChange.referral_id == referral_id)
        .order_by(ReferralStatusChange.at, ReferralStatusChange.id))).all()
    unit.audit("read", "referral", resource_id=referral_id, client_id=seen.referral.client_id)
    return history


def overdue_clause(today: date) -> ColumnElement[bool]:
    return Referral.status.in_(sorted(AWAITING_ANSWER)) & (Referral.due_on < today)


async def list_visible(unit: RequestUnit, principal: Principal, page: PageParams, *, box: str | None,
                       status: str | None, purpose: str | None, overdue: bool | None, client_id: uuid.UUID | None,
                       ) -> tuple[list[ReferralRead | ReferralPartnerRead], str | None]:
    """A page of the caller's referrals (both boxes, or one), by due date (open-ended last); with
    `updated_since`, by change. A hot read (the incoming box of a partner's system): one statement
    written as SQL on the driver connection, the scope and the caller's sides as SQL text
    (`referrals_*_sql`; tests/api/test_hot_reads.py holds them to the expressions)."""
    if can(principal, Action.referral_answer) is not None:
        require(unit, principal, Action.referral_send, resource_type="referral")
    today = today_tokyo()
    bind = Binds()
    sides = (f"{referrals_sent_by_sql(principal, 'r', bind)} AS sender, "
             f"{referrals_addressed_to_sql(principal, 'r', bind)} AS receiver, "
             f"{client_visible_sql(principal, 'r.client_id', bind)} AS sees_client")
    if box == "incoming":
        conditions = [referrals_addressed_to_sql(principal, "r", bind)]
    elif box == "outgoing":
        conditions = [referrals_sent_by_sql(principal, "r", bind)]
    else:
        conditions = [referrals_visible_sql(principal, "r", bind)]
    if status:
        conditions.append(f"r.status = {bind(status, 'text')}")
    if purpose:
        conditions.append(f"r.purpose = {bind(purpose, 'text')}")
    if overdue is not None:
        late = f"(r.status = ANY({bind(sorted(AWAITING_ANSWER), 'text[]')}) AND r.due_on < {bind(today, 'date')})"
        conditions.append(late if overdue else f"NOT {late}")
    if client_id:
        # Only for callers who see the client: a partner must not learn which referral is whose.
        conditions += [f"r.client_id = {bind(client_id, 'uuid')}", client_visible_sql(principal, "r.client_id", bind)]
    if page.updated_since is None:
        order, parse = _DUE_ORDER, date.fromisoformat

        def key(r: Any) -> list[Any]:
            return [(r["due_on"] or _FAR_FUTURE).isoformat(), str(r["id"])]
    else:
        conditions.append(f"r.updated_at > {bind(page.updated_since, 'timestamptz')}")
        order, parse = "r.updated_at", datetime.fromisoformat

        def key(r: Any) -> list[Any]:
            return [r["updated_at"].isoformat(), str(r["id"])]
    cursor = typed_cursor(page, [parse, uuid.UUID]).cursor
    if cursor is not None:
        conditions.append(after_sql(f"{order}, r.id", cursor, bind))
    sql = (f"SELECT {_LIST_COLUMNS}, {sides} FROM referral r WHERE {' AND '.join(conditions)} "
           f"ORDER BY {order}, r.id LIMIT {page.limit + 1}")
    found, next_cursor = cut(await (await unit.driver()).fetch(sql, *bind.values), page, key)
    items = _page_models([read_fields(principal, r, r["sender"], r["receiver"], r["sees_client"], today)
                          for r in found])
    for item, row in zip(items, found, strict=True):
        # The row names the client even when the caller's view does not (a partner's audit trail).
        unit.audit("read", "referral", resource_id=item.id, client_id=row["client_id"], subject="list")
    return items, next_cursor


_LIST_COLUMNS = ", ".join(f"r.{name}" for name in _READ_COLUMNS)
_DUE_ORDER = f"coalesce(r.due_on, {OPEN_END_SQL})"


async def is_sender_of(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID) -> bool:
    return bool(await unit.session.scalar(select(exists().where(Referral.id == referral_id,
                                                                referrals_sent_by(principal)))))
