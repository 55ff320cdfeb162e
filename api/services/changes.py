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
An insert never answers a tombstone, nor does a record the caller never saw."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, and_, cast, exists, func, literal, literal_column, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import ClauseAdapter

from api.db.models import Activity, CareTeamMember, ChangeLog, Client, Consent, Episode, Goal, Meeting, Programme
from api.db.models.changes import Xid8
from api.db.scopes import (
    activities_visible_to,
    care_team_visible_to,
    clients_visible_to,
    consents_visible_to,
    episodes_visible_to,
    goals_visible_to,
    meetings_visible_to,
)
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.messages import msg
from api.pagination import decode_cursor, encode_cursor
from api.problems import Problem
from api.schemas.changes import Change, ChangePage
from api.schemas.meetings import meeting_summary
from api.services import views
from api.services.guard import require


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
    # --- issue 18: what the council reports (item 9) ---
    # A meeting's summary only (date, venue, theme, status): its agenda, closed items included, is
    # read from /v1/meetings/{id}, where the closed items' content stays with the meeting managers.
    "meeting": FeedSource(Meeting, meetings_visible_to, lambda p, meeting: meeting_summary(meeting)),
}


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
        if row.op == "update" and row.scope_before != row.scope_after and hidden:
            hidden_updates.setdefault(row.resource_type, []).append(row.seq)
    lost_sight: dict[int, tuple[bool, bool]] = {}
    for kind, seqs in hidden_updates.items():
        lost_sight.update(await _sight(session, principal, kind, seqs))

    items: dict[tuple[str, uuid.UUID], Change] = {}

    def put(change: Change) -> None:
        key = (change.resource_type, change.id)
        items.pop(key, None)  # only the latest state of a record in one page
        items[key] = change

    for row in rows:
        record = current.get((row.resource_type, row.resource_id))
        reason = "created" if row.op == "insert" else "updated"
        if record is not None:
            if row.resource_type == "client" and not record.active:
                put(Change(resource_type="client", id=row.resource_id, client_id=row.client_id, deleted=True,
                           reason="deactivated", changed_at=row.at, record=None))
                continue
            shown = FEED[row.resource_type].view(principal, record).model_dump(mode="json")
            put(Change(resource_type=row.resource_type, id=row.resource_id,
                       client_id=row.client_id, deleted=False, reason=reason, changed_at=row.at, record=shown))
        elif row.seq in lost_sight:
            record_lost, client_lost = lost_sight[row.seq]
            if client_lost and row.client_id is not None and row.client_id not in visible_clients:
                # The client left the caller's sight, and everything of it with it: one tombstone.
                put(Change(resource_type="client", id=row.client_id, client_id=row.client_id, deleted=True,
                           reason="out_of_scope", changed_at=row.at, record=None))
            elif record_lost:
                put(Change(resource_type=row.resource_type, id=row.resource_id,
                           client_id=row.client_id, deleted=True, reason="out_of_scope", changed_at=row.at,
                           record=None))
    for client_id in dict.fromkeys(c.client_id for c in items.values() if not c.deleted and c.client_id):
        unit.audit("read", "change", client_id=client_id, subject="changes")
    last = (int(scanned[-1][1]), rows[-1].seq) if rows else position
    return ChangePage(items=list(items.values()), next_cursor=encode_cursor(list(last or (0, 0))),
                      has_more=has_more)
