"""Client records: create (with duplicate detection), read, update, deactivate, list."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.conventions import check_version
from api.db.models import Agency, AuditEvent, Branch, CareTeamMember, Client, UserAccount
from api.db.scopes import Binds, clients_visible_sql, clients_visible_to
from api.db.unit import RequestUnit
from api.domain import codes
from api.domain.access_rules import Action, may_be_caseworker
from api.domain.fiscal import today_tokyo
from api.domain.kana import kana_sort_key
from api.domain.principal import Principal
from api.domain.roles import Role
from api.messages import msg
from api.pagination import PageParams, after, after_sql, cut, keyset, typed_cursor
from api.problems import Problem, id_taken, invalid_field, refuse_nulls
from api.schemas.clients import ClientCreate, ClientRead, ClientUpdate, DuplicateCandidate
from api.services.guard import invisible, require
from api.services.shaping import read_page

_TEAM_ROLE_OF = {
    Role.supervisor: "supervisor", Role.caseworker: "caseworker", Role.mental_care_worker: "mental_care_worker",
    Role.public_health_nurse: "public_health_nurse", Role.coordinator: "coordinator",
    Role.peer_supporter: "peer_supporter",
}


async def get_visible(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, *,
                      for_update: bool = False) -> Client:
    stmt = select(Client).where(Client.id == client_id, clients_visible_to(principal))
    if for_update:
        stmt = stmt.with_for_update(of=Client)
    client = await unit.session.scalar(stmt)
    if client is None:
        raise await invisible(unit, "client", client_id)
    return client


async def _check_references(session: AsyncSession, branch_code: str | None, hospital_id: uuid.UUID | None,
                            caseworker_id: uuid.UUID | None) -> None:
    if branch_code is not None and await session.get(Branch, branch_code) is None:
        allowed = list((await session.scalars(select(Branch.code).order_by(Branch.code))).all())
        unknown = msg("client.unknown_branch", code=branch_code, allowed=allowed)
        raise invalid_field("branch_code", unknown, "unknown")
    if hospital_id is not None:
        agency = await session.get(Agency, hospital_id)
        if agency is None or agency.type != "psychiatric_hospital":
            raise invalid_field("hospital_agency_id", msg("client.not_hospital"), "unknown")
    if caseworker_id is not None:
        user = await session.get(UserAccount, caseworker_id)
        if user is None or not may_be_caseworker(user.role):
            raise invalid_field("caseworker_id", msg("client.not_caseworker"), "unknown")


async def create(unit: RequestUnit, principal: Principal, body: ClientCreate) -> Client:
    require(unit, principal, Action.client_create, resource_type="client")
    session = unit.session
    await _check_references(session, body.branch_code, body.hospital_agency_id, body.caseworker_id)
    if not body.confirm_not_duplicate:
        candidates = (
            await session.scalars(
                select(Client).where(Client.kana == body.kana, Client.date_of_birth == body.date_of_birth,
                                     clients_visible_to(principal))
            )
        ).all()
        if candidates:
            for c in candidates:
                unit.audit("read", "client", resource_id=c.id, client_id=c.id, subject="duplicate-check")
            raise Problem(
                "possible-duplicate",
                msg("client.possible_duplicate"),
                candidates=[DuplicateCandidate.model_validate(c, from_attributes=True).model_dump(mode="json")
                            for c in candidates],
            )
    if body.id is not None and await session.get(Client, body.id) is not None:
        raise id_taken()
    data = body.model_dump(exclude={"confirm_not_duplicate", "id", "emergency_contacts"})
    client = Client(
        id=body.id or uuid.uuid4(),
        **data,
        kana_sort=kana_sort_key(body.kana),
        diagnosis_group=codes.diagnosis_group(body.diagnoses[0]) if body.diagnoses else None,
        emergency_contacts=[c.model_dump(mode="json") for c in body.emergency_contacts],
        created_by=principal.id,
    )
    session.add(client)
    await session.flush()
    # Whoever creates a client joins its care team (docs/architecture.md §2).
    session.add(CareTeamMember(client_id=client.id, user_id=principal.id,
                               team_role=_TEAM_ROLE_OF.get(principal.role, "other"), from_date=today_tokyo()))
    await session.flush()
    unit.audit("create", "client", resource_id=client.id, client_id=client.id)
    return client


async def update(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, body: ClientUpdate,
                 expected_version: int) -> Client:
    client = await get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.client_update, resource_type="client", resource_id=client_id, client_id=client_id)
    check_version(client.version, expected_version)
    changes = body.model_dump(exclude_unset=True)
    await _check_references(unit.session, changes.get("branch_code"), changes.get("hospital_agency_id"),
                            changes.get("caseworker_id"))
    refuse_nulls(changes, ("name", "kana", "date_of_birth", "sex", "branch_code", "residence_type"))
    if "emergency_contacts" in changes:
        changes["emergency_contacts"] = [c.model_dump(mode="json") for c in body.emergency_contacts or []]
    for field, value in changes.items():
        setattr(client, field, value)
    if "kana" in changes:
        client.kana_sort = kana_sort_key(client.kana)
    if "diagnoses" in changes:
        client.diagnosis_group = codes.diagnosis_group(client.diagnoses[0]) if client.diagnoses else None
    if client.residence_type == "psychiatric_ward" and client.hospital_agency_id is None:
        raise Problem("validation", msg("client.hospital_required"))
    await unit.session.flush()
    unit.audit("update", "client", resource_id=client.id, client_id=client.id, detail={"fields": sorted(changes)})
    return client


async def deactivate(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, reason: str,
                     expected_version: int) -> Client:
    client = await get_visible(unit, principal, client_id, for_update=True)
    require(unit, principal, Action.client_deactivate, resource_type="client", resource_id=client_id,
            client_id=client_id)
    check_version(client.version, expected_version)
    if not client.active:
        raise Problem("conflict", msg("client.already_deactivated"))
    client.active = False
    client.deactivated_at = datetime.now(UTC)
    client.deactivation_reason = reason
    await unit.session.flush()
    unit.audit("update", "client", resource_id=client.id, client_id=client.id, subject="deactivate")
    return client


# The hot reads (the most frequent requests of the service: a record opened, a list paged) are
# pre-built statements run on the session's driver connection: no expression, cache key or ORM
# identity map per request. The scope is `clients_visible_sql`, the text form of the rule every
# other query uses; tests/api/test_hot_reads.py checks both select the same rows and give the same
# JSON as the ORM path.
_READ_COLUMNS = ", ".join(f"c.{name}" for name in ClientRead.model_fields)


async def read(unit: RequestUnit, principal: Principal, client_id: uuid.UUID) -> ClientRead:
    bind = Binds()
    sql = f"SELECT {_READ_COLUMNS} FROM client c WHERE c.id = {bind(client_id, 'uuid')} AND "
    sql += clients_visible_sql(principal, "c", bind)
    row = await (await unit.driver()).fetchrow(sql, *bind.values)
    if row is None:
        raise await invisible(unit, "client", client_id)
    unit.audit("read", "client", resource_id=client_id, client_id=client_id)
    return ClientRead.model_validate(dict(row))


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern matching values that start with `prefix` literally (escape character '/')."""
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


async def _first_pages(unit: RequestUnit, principal: Principal, page: PageParams, *, kana_prefix: str | None,
                       branch_code: str | None, include_inactive: bool) -> tuple[list[ClientRead], str | None]:
    """The 50音順 list (no `updated_since`), as one pre-built statement: keyset on the
    (kana_sort, kana, id) index, the same filters and order as the ORM form had."""
    bind = Binds()
    conditions = [clients_visible_sql(principal, "c", bind)]
    if kana_prefix:
        conditions.append(f"c.kana LIKE {bind(_like_prefix(kana_prefix), 'text')} ESCAPE '/'")
    if branch_code:
        conditions.append(f"c.branch_code = {bind(branch_code, 'text')}")
    if not include_inactive:
        conditions.append("c.active")
    cursor = typed_cursor(page, [str, str, uuid.UUID]).cursor
    if cursor is not None:
        conditions.append(after_sql("c.kana_sort, c.kana, c.id", cursor, bind))
    sql = (f"SELECT {_READ_COLUMNS}, c.kana_sort FROM client c WHERE {' AND '.join(conditions)} "
           f"ORDER BY c.kana_sort, c.kana, c.id LIMIT {page.limit + 1}")
    rows, next_cursor = cut(await (await unit.driver()).fetch(sql, *bind.values), page,
                            lambda r: [r["kana_sort"], r["kana"], str(r["id"])])
    items: list[ClientRead] = read_page(ClientRead, [dict(r) for r in rows])
    for c in items:
        unit.audit("read", "client", resource_id=c.id, client_id=c.id, subject="list")
    return items, next_cursor


async def list_visible(
    unit: RequestUnit,
    principal: Principal,
    page: PageParams,
    *,
    kana_prefix: str | None,
    branch_code: str | None,
    include_inactive: bool,
) -> tuple[Sequence[ClientRead | Client | tuple[uuid.UUID, datetime]], str | None]:
    """A page of visible clients; with `updated_since`, ordered by change and with tombstones
    (deactivated, or no longer on the caller's care team) so offline copies stay in step."""
    require(unit, principal, Action.client_list, resource_type="client")
    if page.updated_since is None:
        return await _first_pages(unit, principal, page, kana_prefix=kana_prefix, branch_code=branch_code,
                                  include_inactive=include_inactive)
    filters: list[Any] = []
    if kana_prefix:
        filters.append(Client.kana.startswith(kana_prefix, autoescape=True))
    if branch_code:
        filters.append(Client.branch_code == branch_code)
    return await _changes_since(unit, principal, page, filters)


async def _changes_since(unit: RequestUnit, principal: Principal, page: PageParams,
                         filters: list[Any]) -> tuple[Sequence[Client | tuple[uuid.UUID, datetime]], str | None]:
    session = unit.session
    since = page.updated_since
    assert since is not None
    left_team = (
        select(CareTeamMember.client_id.label("id"), func.max(CareTeamMember.updated_at).label("changed"))
        .where(CareTeamMember.user_id == principal.id, CareTeamMember.updated_at > since,
               CareTeamMember.to_date.is_not(None), CareTeamMember.to_date < today_tokyo())
        .group_by(CareTeamMember.client_id)
        .subquery()
    )
    visible = select(Client.id.label("id"), Client.updated_at.label("changed")).where(
        clients_visible_to(principal), Client.updated_at > since, *filters
    )
    lost = select(left_team.c.id, left_team.c.changed).where(
        ~select(Client.id).where(Client.id == left_team.c.id, clients_visible_to(principal)).exists()
    )
    union = visible.union_all(lost).subquery()
    order = [union.c.changed, union.c.id]
    stmt = select(union.c.id, union.c.changed)
    typed = typed_cursor(page, [datetime.fromisoformat, uuid.UUID])
    if typed.cursor is not None:
        stmt = stmt.where(after(order, typed.cursor))
    stmt = stmt.order_by(*order).limit(page.limit + 1)
    keys = (await session.execute(stmt)).all()
    keys_page, cursor = cut(keys, page, lambda r: [r.changed.isoformat(), str(r.id)])
    ids = [r.id for r in keys_page]
    found = {c.id: c for c in (await session.scalars(
        select(Client).where(Client.id.in_(ids), clients_visible_to(principal)))).all()}
    out: list[Client | tuple[uuid.UUID, datetime]] = []
    for r in keys_page:
        client = found.get(r.id)
        if client is not None and client.active:
            unit.audit("read", "client", resource_id=client.id, client_id=client.id, subject="list")
            out.append(client)
        else:
            out.append((r.id, client.updated_at if client is not None else r.changed))
    return out, cursor


async def access_log(unit: RequestUnit, principal: Principal, client_id: uuid.UUID,
                     page: PageParams) -> tuple[list[AuditEvent], str | None]:
    """Who saw or changed this person's record, newest first (for disclosure requests, 開示請求)."""
    await get_visible(unit, principal, client_id)
    require(unit, principal, Action.access_log_read, resource_type="audit_event", client_id=client_id)
    stmt = keyset(select(AuditEvent).where(AuditEvent.client_id == client_id), [AuditEvent.seq],
                  typed_cursor(page, [int]), descending=True)
    rows = (await unit.session.scalars(stmt)).all()
    events, cursor = cut(rows, page, lambda e: [e.seq])
    unit.audit("read", "audit_event", client_id=client_id, subject="access-log")
    return events, cursor
