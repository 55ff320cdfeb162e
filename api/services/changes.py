"""The change feed: every committed insert and update of feed resources, in transaction order.

Triggers write `change_log` rows inside the writing transaction, stamped with its xid. A reader
returns only rows whose xid is below the oldest transaction still running
(`pg_snapshot_xmin(pg_current_snapshot())`): every transaction below it has committed or
rolled back, so no row can later appear behind the cursor (xid, seq) even when transactions
commit in another order than they began. A long transaction holds the feed back, never skips it.

Each change is shown as the record is now and as the caller may see it; changes the caller cannot
see are left out. A tombstone (`deleted: true, reason: out_of_scope`) answers only an UPDATE after
which the caller cannot see a record they could see just before it, both decided by the scope rules
of api/db/scopes.py run with the changed row as it was before and after (the trigger keeps the
columns those rules read), and only while the caller still cannot see it. When the
client itself went out of sight the one tombstone is the client's: everything of it went with it.
An insert never answers a tombstone, nor does a record the caller never saw.

A change of the caller's own role or branch offices (a supervisor moved off a branch) is logged
too: it answers a client tombstone for each client the caller saw then, judged by the scope rules
with the caller as it was and each client's branch as it was at that moment (read from the log's
later branch changes), and cannot see now."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    String,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import ClauseAdapter

from api.db.models import (
    Activity,
    AdviceRequest,
    CareTeamMember,
    ChangeLog,
    Client,
    ClientRefusal,
    Consent,
    Episode,
    Goal,
    Intake,
    Meeting,
    Programme,
    Referral,
    RelatedPerson,
    RiskFlag,
    ServiceUse,
    SupportPlan,
)
from api.db.models.changes import Xid8
from api.db.scopes import (
    activities_visible_to,
    advice_requests_visible_to,
    care_team_visible_to,
    clients_visible_to,
    consents_visible_to,
    episodes_visible_to,
    goals_visible_to,
    intakes_visible_to,
    meetings_visible_to,
    referrals_visible_to,
    refusals_visible_to,
    related_persons_visible_to,
    risk_flags_visible_to,
    service_uses_visible_to,
    support_plans_visible_to,
)
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.domain.roles import Role
from api.messages import msg
from api.pagination import decode_cursor, encode_cursor
from api.problems import Problem
from api.schemas.changes import Change, ChangePage
from api.schemas.intakes import IntakeRead
from api.schemas.meetings import meeting_summary
from api.services import consultations, households, refusals, service_use, support_plans
from api.services import read_models as views
from api.services.guard import require
from api.services.referrals import Seen, relation_columns
from api.services.shaping import shape


@dataclass(frozen=True, slots=True)
class FeedSource:
    model: Any
    visible: Callable[[Principal], ColumnElement[bool]]
    view: Callable[[Principal, Any], BaseModel]


FEED: Mapping[str, FeedSource] = {
    "client": FeedSource(Client, clients_visible_to, views.client_view),
    "episode": FeedSource(Episode, episodes_visible_to, lambda p, pair: views.episode_view(p, *pair)),
    "goal": FeedSource(Goal, goals_visible_to, views.goal_view),
    "activity": FeedSource(Activity, activities_visible_to, views.activity_view),
    "consent": FeedSource(Consent, consents_visible_to, views.consent_view),
    "care_team_member": FeedSource(CareTeamMember, care_team_visible_to, views.member_view),
    # --- issue 18: referrals in the change feed (h18d) ---
    "referral": FeedSource(Referral, referrals_visible_to, views.referral_view),
    "support_plan": FeedSource(SupportPlan, support_plans_visible_to, support_plans.view),
    # --- issue 18: what the council reports (item 9) ---
    # A meeting's summary only (date, venue, theme, status): its agenda, closed items included, is
    # read from /v1/meetings/{id}, where the closed items' content stays with the meeting managers.
    "meeting": FeedSource(Meeting, meetings_visible_to, lambda p, meeting: meeting_summary(meeting)),
    # --- issue 18: households, refusals, service use and risk --- case notes: their scopes hold the
    # area's read action too, so a peer supporter's feed never names them, as their routes answer 403.
    # A related person's link to another client shows only where the caller sees that client.
    "related_person": FeedSource(RelatedPerson, related_persons_visible_to, households.view_with_link),
    "client_refusal": FeedSource(ClientRefusal, refusals_visible_to, lambda p, r: shape(p, refusals.read_model(r))),
    "service_use": FeedSource(ServiceUse, service_uses_visible_to, lambda p, u: shape(p, service_use.use_read(u))),
    "risk_flag": FeedSource(RiskFlag, risk_flags_visible_to, lambda p, f: shape(p, service_use.flag_read(f))),
    # --- issue 18: enquiries (client_id once converted) and advice requests, each by its own scope ---
    "intake": FeedSource(Intake, intakes_visible_to, lambda p, i: shape(p, IntakeRead.model_validate(i))),
    "advice_request": FeedSource(AdviceRequest, advice_requests_visible_to,
                                 lambda p, r: shape(p, consultations.advice_read(r))),
}
# --- issue 18: a user's role or branch offices changed (trigger change_log_staff_scope) ---
STAFF_SCOPE = "staff_scope"


def _parse_cursor(cursor: str | None) -> tuple[int, int] | None:
    if cursor is None:
        return None
    values = decode_cursor(cursor)
    try:
        xid, seq = (int(v) for v in values)
    except (TypeError, ValueError) as exc:
        raise Problem("validation", msg("cursor.invalid")) from exc
    return xid, seq


_CANDIDATE = ChangeLog.__table__.alias("changed")


def _world(model: Any, side: str) -> ClauseAdapter:
    """Rewrites a query so that `model`'s table reads with the candidate's changed row as it was
    `side` ("scope_before" or "scope_after") the change, every other row as it is now. Only the
    scope columns are kept by the trigger; the others read as null."""
    table = model.__table__
    names = [c.name for c in table.c]
    kept = func.jsonb_populate_record(literal_column(f"NULL::{table.name}"), _CANDIDATE.c[side]
                                      ).table_valued(*names).alias("kept_row")
    world = union_all(
        select(table).where(table.c.id != _CANDIDATE.c.resource_id).correlate(_CANDIDATE),
        select(*[kept.c[name] for name in names]).correlate(_CANDIDATE),
    ).subquery(f"{side}_{table.name}")
    return ClauseAdapter(world)


async def _sight(session: AsyncSession, principal: Principal, kind: str, seqs: list[int]
                 ) -> dict[int, tuple[bool, bool]]:
    """For each UPDATE (by seq): did it take the record, or its client, out of the caller's sight?
    The same scope rules as every read, run with the changed row as it was before and after."""
    source = FEED[kind]
    record = select(source.model.id).where(source.model.id == _CANDIDATE.c.resource_id, source.visible(principal))
    client = select(Client.id).where(Client.id == _CANDIDATE.c.client_id, clients_visible_to(principal))
    before, after = _world(source.model, "scope_before"), _world(source.model, "scope_after")

    def lost(query: Any) -> ColumnElement[bool]:
        return and_(exists(before.traverse(query)), ~exists(after.traverse(query)))

    rows = await session.execute(select(_CANDIDATE.c.seq, lost(record), lost(client))
                                 .where(_CANDIDATE.c.seq.in_(seqs)))
    return {seq: (bool(rec), bool(cli)) for seq, rec, cli in rows.all()}


async def read(unit: RequestUnit, principal: Principal, cursor: str | None, limit: int) -> ChangePage:
    require(unit, principal, Action.changes_read, resource_type="change")
    session = unit.session
    position = _parse_cursor(cursor)
    stmt = select(ChangeLog, cast(ChangeLog.xid, String).label("xid_text")).where(
        ChangeLog.xid < func.pg_snapshot_xmin(func.pg_current_snapshot()))
    if position is not None:
        stmt = stmt.where(tuple_(ChangeLog.xid, ChangeLog.seq)
                          > tuple_(cast(literal(str(position[0])), Xid8()), literal(position[1])))
    scanned = (await session.execute(stmt.order_by(ChangeLog.xid, ChangeLog.seq).limit(limit + 1))).all()
    has_more = len(scanned) > limit
    scanned = scanned[:limit]
    rows: list[ChangeLog] = [r[0] for r in scanned]

    current: dict[tuple[str, uuid.UUID], Any] = {}
    for kind, source in FEED.items():
        ids = {r.resource_id for r in rows if r.resource_type == kind}
        if not ids:
            continue
        query = select(source.model).where(source.model.id.in_(ids), source.visible(principal))
        if kind == "support_plan":
            plans = (await session.scalars(query)).all()
            for seen in await support_plans.seen_in(session, principal, plans):
                current[(kind, seen.plan.id)] = seen
            continue
        if kind == "referral":
            query = select(Referral, *relation_columns(principal)).where(Referral.id.in_(ids),
                                                                          referrals_visible_to(principal))
            for found in (await session.execute(query)).all():
                current[(kind, found[0].id)] = Seen(found[0], bool(found.sender), bool(found.receiver),
                                                    bool(found.sees_client))
            continue
        if kind == "related_person":
            query = households.select_with_link(principal).where(RelatedPerson.id.in_(ids),
                                                                  related_persons_visible_to(principal))
            for person, linked in (await session.execute(query)).all():
                current[(kind, person.id)] = (person, linked)
            continue
        if kind == "episode":
            query = select(Episode, Programme.code).join(Programme, Programme.id == Episode.programme_id).where(
                Episode.id.in_(ids), episodes_visible_to(principal))
            for episode, code in (await session.execute(query)).all():
                current[(kind, episode.id)] = (episode, code)
            continue
        for record in (await session.scalars(query)).all():
            current[(kind, record.id)] = record
    client_ids = {r.client_id for r in rows if r.client_id is not None}
    visible_clients = set(await session.scalars(
        select(Client.id).where(Client.id.in_(client_ids), clients_visible_to(principal)))) if client_ids else set()

    # Only an UPDATE can take a record out of sight (an insert had no "before"), only one that
    # changed a column the scope rules read (else the worlds before and after are the same), and
    # only one of a record or client the caller cannot see now.
    hidden_updates: dict[str, list[int]] = {}
    for row in rows:
        hidden = ((row.resource_type, row.resource_id) not in current
                  or (row.client_id is not None and row.client_id not in visible_clients))
        if row.op == "update" and row.scope_before != row.scope_after and hidden and row.resource_type in FEED:
            hidden_updates.setdefault(row.resource_type, []).append(row.seq)
    lost_sight: dict[int, tuple[bool, bool]] = {}
    for kind, seqs in hidden_updates.items():
        lost_sight.update(await _sight(session, principal, kind, seqs))
    staff_losses: dict[int, list[uuid.UUID]] = {}
    for log, xid_text in zip(rows, (str(r[1]) for r in scanned), strict=True):
        if log.resource_type == STAFF_SCOPE and log.resource_id == principal.id and log.scope_before:
            staff_losses[log.seq] = await _clients_lost_with_scope(session, principal, log, xid_text)

    items: dict[tuple[str, uuid.UUID], Change] = {}

    def put(change: Change) -> None:
        key = (change.resource_type, change.id)
        items.pop(key, None)  # only the latest state of a record in one page
        items[key] = change

    audited: list[uuid.UUID] = []
    for row in rows:
        record = current.get((row.resource_type, row.resource_id))
        reason = "created" if row.op == "insert" else "updated"
        if row.seq in staff_losses:
            for client_id in staff_losses[row.seq]:
                put(Change(resource_type="client", id=client_id, client_id=client_id, deleted=True,
                           reason="out_of_scope", changed_at=row.at, record=None))
        elif isinstance(record, Seen):
            # A referral: its client's id only for callers who see the client (the receiving side
            # sees the shared snapshot, never whose referral it is).
            shown = views.referral_view(principal, record).model_dump(mode="json")
            put(Change(resource_type="referral", id=row.resource_id,
                       client_id=row.client_id if record.sees_client else None, deleted=False, reason=reason,
                       changed_at=row.at, record=shown))
            audited.append(record.referral.client_id)
        elif record is not None:
            if row.resource_type == "client" and not record.active:
                put(Change(resource_type="client", id=row.resource_id, client_id=row.client_id, deleted=True,
                           reason="deactivated", changed_at=row.at, record=None))
                continue
            shown = FEED[row.resource_type].view(principal, record).model_dump(mode="json")
            put(Change(resource_type=row.resource_type, id=row.resource_id,
                       client_id=row.client_id, deleted=False, reason=reason, changed_at=row.at, record=shown))
            if row.resource_type == "related_person" and record[1] is not None:
                audited.append(record[1])  # the shown link tells of the linked client too
        elif row.seq in lost_sight:
            record_lost, client_lost = lost_sight[row.seq]
            if client_lost and row.client_id is not None and row.client_id not in visible_clients:
                # The client left the caller's sight, and everything of it with it: one tombstone.
                put(Change(resource_type="client", id=row.client_id, client_id=row.client_id, deleted=True,
                           reason="out_of_scope", changed_at=row.at, record=None))
            elif record_lost:
                shown_client = row.client_id if row.resource_type != "referral" or row.client_id in visible_clients \
                    else None
                put(Change(resource_type=row.resource_type, id=row.resource_id,
                           client_id=shown_client, deleted=True, reason="out_of_scope", changed_at=row.at,
                           record=None))
    shown_clients = [c.client_id for c in items.values() if not c.deleted and c.client_id]
    for client_id in dict.fromkeys([*shown_clients, *audited]):
        unit.audit("read", "change", client_id=client_id, subject="changes")
    last = (int(scanned[-1][1]), rows[-1].seq) if rows else position
    return ChangePage(items=list(items.values()), next_cursor=encode_cursor(list(last or (0, 0))),
                      has_more=has_more)


async def _clients_lost_with_scope(session: AsyncSession, principal: Principal, row: ChangeLog, xid_text: str
                                   ) -> list[uuid.UUID]:
    """The clients the caller saw just before its role or branch offices changed (the scope rules
    run with the caller as it was, on each client's branch as it was then) and cannot see now.
    A client created after the change was never seen; one that moved later is judged where it was."""
    before = row.scope_before or {}
    try:
        then = replace(principal, role=Role(str(before.get("role"))),
                       branches=frozenset(before.get("branch_codes") or ()))
    except ValueError:
        return []
    later = ChangeLog.__table__.alias("later")
    after_event = tuple_(later.c.xid, later.c.seq) > tuple_(cast(literal(xid_text), Xid8()), literal(row.seq))
    table = Client.__table__
    moved_from = (select(later.c.scope_before["branch_code"].astext)
                  .where(later.c.resource_id == table.c.id, later.c.resource_type == "client", later.c.op == "update",
                         after_event,
                         later.c.scope_before["branch_code"] != later.c.scope_after["branch_code"])
                  .order_by(later.c.xid, later.c.seq).limit(1).scalar_subquery())
    created_later = exists().where(later.c.resource_id == table.c.id, later.c.resource_type == "client",
                                   later.c.op == "insert", after_event)
    as_it_was = union_all(
        select(table).where(false()),  # names the columns after the client table's, for the adapter
        select(*[func.coalesce(moved_from, c).label(c.name) if c.name == "branch_code" else c for c in table.c])
        .where(~created_later),
    ).subquery("client_then")
    seen_then = ClauseAdapter(as_it_was).traverse(select(Client.id).where(clients_visible_to(then)))
    lost = await session.scalars(select(Client.id).where(Client.id.in_(seen_then), ~clients_visible_to(principal))
                                 .order_by(Client.kana_sort, Client.id))
    return list(lost)
