"""Streaming exports of what a principal may see, for scripted pulls.

Rows are read in keyset batches (updated_at, id) from the replica (or the primary), each batch on
a short session of its own: memory stays flat however many rows there are, and no replica query
runs long enough to be cancelled by recovery conflicts. Before a batch is sent, one audit row per
client in it is committed on the primary; when the export completes, an `export` row with the
count closes it. A row changed during an export moves behind the cursor and may come twice: pulls
are at-least-once, de-duplicate on (id, version)."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from api.db import audit_chain
from api.db.audit_chain import PendingEvent
from api.db.models import Activity, Client, Episode, Programme
from api.db.scopes import activities_visible_to, clients_visible_to, episodes_visible_to
from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.schemas.episodes import ActivityRead, EpisodeRead
from api.services import views
from api.services.guard import require

BATCH_SIZE = 1000
BOM = "\ufeff".encode()


@dataclass(frozen=True, slots=True)
class ExportSource:
    """One exportable resource: its rows, who sees which, and how a row is shown."""

    model: Any
    visible: Callable[[Principal], ColumnElement[bool]]
    select: Callable[[], Select[Any]]
    view: Callable[[Principal, Any], BaseModel]
    view_model: Callable[[Principal], type[BaseModel]]
    client_id: Callable[[Any], uuid.UUID]


def _episode_select() -> Any:
    return select(Episode, Programme.code).join(Programme, Programme.id == Episode.programme_id)


# Meetings and referrals are added here by their areas (referrals: partners' exports and the
# provision records they write, see `export_allowed`).
EXPORTS: Mapping[str, ExportSource] = {
    "clients": ExportSource(Client, clients_visible_to, lambda: select(Client),
                            lambda p, row: views.client_view(p, row[0]), views.client_view_model,
                            lambda row: row[0].id),
    "episodes": ExportSource(Episode, episodes_visible_to, _episode_select,
                             lambda p, row: views.episode_view(row[0], row[1]), lambda p: EpisodeRead,
                             lambda row: row[0].client_id),
    "activities": ExportSource(Activity, activities_visible_to, lambda: select(Activity),
                               lambda p, row: views.activity_view(row[0]), lambda p: ActivityRead,
                               lambda row: row[0].client_id),
}


def start(unit: RequestUnit, principal: Principal, resource: str, fmt: str, updated_since: datetime | None) -> None:
    """Check the policy and audit the start (committed with the request, before any row is read)."""
    require(unit, principal, Action.records_export, resource_type=resource)
    unit.audit("export", resource, subject="start",
               detail={"format": fmt, "updated_since": updated_since.isoformat() if updated_since else None})


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    return str(value)


class _Encoder:
    def __init__(self, fmt: str, columns: list[str], bom: bool) -> None:
        self.fmt, self.columns, self.bom = fmt, columns, bom

    def head(self) -> bytes:
        if self.fmt != "csv":
            return b""
        return (BOM if self.bom else b"") + self._csv([self.columns])

    def rows(self, models: list[BaseModel]) -> bytes:
        if self.fmt == "ndjson":
            return b"".join(m.model_dump_json().encode() + b"\n" for m in models)
        dumped = (m.model_dump(mode="json") for m in models)
        return self._csv([[_csv_value(d.get(c)) for c in self.columns] for d in dumped])

    @staticmethod
    def _csv(rows: list[list[str]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode()


async def _audit(writer: async_sessionmaker[AsyncSession], events: list[PendingEvent],
                 context: dict[str, Any]) -> None:
    async with writer() as session:
        await audit_chain.append(session, events, context)
        await session.commit()


async def stream(reader: async_sessionmaker[AsyncSession], writer: async_sessionmaker[AsyncSession],
                 principal: Principal, resource: str, fmt: str, bom: bool, updated_since: datetime | None,
                 actor: dict[str, Any], context: dict[str, Any], batch_size: int | None = None) -> AsyncIterator[bytes]:
    batch_size = batch_size or BATCH_SIZE
    source = EXPORTS[resource]
    model = source.model
    encoder = _Encoder(fmt, list(source.view_model(principal).model_fields), bom)
    head = encoder.head()
    if head:
        yield head
    order = (model.updated_at, model.id)
    after: tuple[datetime, uuid.UUID] | None = None
    sent = 0
    while True:
        stmt = source.select().where(source.visible(principal))
        if updated_since is not None:
            stmt = stmt.where(model.updated_at > updated_since)
        if after is not None:
            stmt = stmt.where(tuple_(*order) > tuple_(*after))
        async with reader() as session:
            rows = (await session.execute(stmt.order_by(*order).limit(batch_size))).all()
            models = [source.view(principal, row) for row in rows]
        if not rows:
            break
        clients = list(dict.fromkeys(source.client_id(row) for row in rows))
        await _audit(writer, [PendingEvent(action="read", resource_type=resource, client_id=c, subject="export",
                                           actor=actor) for c in clients], context)
        yield encoder.rows(models)
        sent += len(rows)
        last = rows[-1][0]
        after = (last.updated_at, last.id)
        if len(rows) < batch_size:
            break
    await _audit(writer, [PendingEvent(action="export", resource_type=resource, subject="complete",
                                       detail={"rows": sent, "format": fmt}, actor=actor)], context)
