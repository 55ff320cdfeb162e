"""Streaming exports of what a principal may see, for scripted pulls.

Rows are read in keyset batches (updated_at, id) from the replica (or the primary), each batch on
a short session of its own: memory stays flat however many rows there are, and no replica query
runs long enough to be cancelled by recovery conflicts. Before a batch is sent, one audit row per
client in it is committed on the primary; when the export completes, an `export` row with the
count closes it. A row changed during an export moves behind the cursor and may come twice: pulls
are at-least-once, de-duplicate on (id, version).

Issue 18's client-linked records export the same way: related persons (a link to another client
only where the caller sees that client, whose access log then names the export too), refusals,
service uses and risk flags (case notes: the export needs the area's own read action as well, so
peer supporters get none), and support-plan versions (shaped as the routes shape them: no policy
text for a peer supporter)."""

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
from sqlalchemy import Select, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from api.db import audit_writer
from api.db.audit_writer import PendingEvent
from api.db.models import (
    Activity,
    AdviceRequest,
    Client,
    ClientRefusal,
    Episode,
    Intake,
    Meeting,
    Programme,
    Referral,
    RelatedPerson,
    RiskFlag,
    ServiceUse,
    SupportPlan,
    ThirdPartyProvision,
)
from api.db.scopes import (
    activities_visible_to,
    advice_requests_visible_to,
    clients_visible_to,
    episodes_visible_to,
    intakes_visible_to,
    referrals_visible_to,
    refusals_visible_to,
    related_persons_visible_to,
    risk_flags_visible_to,
    service_uses_visible_to,
    support_plans_visible_to,
)
from api.db.unit import RequestUnit
from api.domain.access_rules import Action, is_third_party
from api.domain.principal import Principal
from api.domain.referral_sharing import data_categories_for
from api.domain.spreadsheet_cells import neutralise
from api.schemas.clients import ClientRead
from api.schemas.consultations import AdviceRequestRead
from api.schemas.episodes import ActivityRead, EpisodeRead
from api.schemas.households import RelatedPersonRead
from api.schemas.intakes import IntakeRead
from api.schemas.meetings import MeetingSummary, meeting_summary
from api.schemas.refusals import RefusalRead
from api.schemas.service_use import RiskFlagRead, ServiceUseRead
from api.schemas.support_plans import SupportPlanRead
from api.services import consultations, households, refusals, service_use, support_plans
from api.services import read_models as views
from api.services.guard import require
from api.services.referrals import relation_columns, seen_from_row
from api.services.shaping import columns_for, shape

BATCH_SIZE = 1000
BOM = "\ufeff".encode()


@dataclass(frozen=True, slots=True)
class ExportSource:
    """One exportable resource: its rows, who sees which, and how a row is shown."""

    model: Any
    visible: Callable[[Principal], ColumnElement[bool]]
    select: Callable[[Principal], Select[Any]]
    view: Callable[[Principal, Any], BaseModel]
    view_model: Callable[[Principal], type[BaseModel]]
    client_id: Callable[[Any], uuid.UUID | None]
    action: Action = Action.records_export
    # The area's own read action, required as well (case notes the routes show the professions only).
    reads: Action | None = None
    # A second client a row tells the caller about (a related person's link): audited as read too.
    linked_client_id: Callable[[Any], uuid.UUID | None] | None = None
    # Rows that hand client data to another organisation's system also leave a 第三者提供の記録.
    provisions: Callable[[Principal, list[Any]], list[Any]] | None = None


def _episode_select(principal: Principal) -> Any:
    return select(Episode, Programme.code).join(Programme, Programme.id == Episode.programme_id)


def _referral_select(principal: Principal) -> Any:
    return select(Referral, *relation_columns(principal))


def _partner_provisions(principal: Principal, rows: list[Any]) -> list[ThirdPartyProvision]:
    """A partner's system pulling referrals receives their shared snapshots: one provision record
    per referral, as when the referral was sent."""
    if not is_third_party(principal):
        return []
    return [
        ThirdPartyProvision(
            client_id=r.client_id, recipient_agency_id=principal.agency_id, referral_id=r.id,
            data_items=list(r.shared_fields), data_categories=list(data_categories_for(r.shared_fields)),
            purpose=r.purpose, consent_id=r.consent_id, provided_by=principal.id, provided_by_kind=principal.kind,
            provided_by_name=f"export to {principal.name}"[:200], provider_agency_id=r.from_agency_id,
        )
        for r in (row[0] for row in rows) if r.consent_id is not None
    ]
EXPORTS: Mapping[str, ExportSource] = {
    "clients": ExportSource(Client, clients_visible_to, lambda p: select(Client),
                            lambda p, row: views.client_view(p, row[0]), lambda p: ClientRead,
                            lambda row: row[0].id),
    "episodes": ExportSource(Episode, episodes_visible_to, _episode_select,
                             lambda p, row: views.episode_view(p, row[0], row[1]), lambda p: EpisodeRead,
                             lambda row: row[0].client_id),
    "activities": ExportSource(Activity, activities_visible_to, lambda p: select(Activity),
                               lambda p, row: views.activity_view(p, row[0]), lambda p: ActivityRead,
                               lambda row: row[0].client_id),
    "referrals": ExportSource(Referral, referrals_visible_to, _referral_select,
                              lambda p, row: views.referral_view(p, seen_from_row(row)), views.referral_view_model,
                              lambda row: row[0].client_id, action=Action.referrals_export,
                              provisions=_partner_provisions),
    # Meetings carry no client data: no per-client audit rows, readable by every signed-in role.
    "meetings": ExportSource(Meeting, lambda p: true(), lambda p: select(Meeting),
                             lambda p, row: meeting_summary(row[0]), lambda p: MeetingSummary, lambda row: None,
                             action=Action.meetings_export),
    # --- issue 18: households, refusals, service use and risk, support plans ---
    "related-persons": ExportSource(RelatedPerson, related_persons_visible_to, households.select_with_link,
                                    households.view_with_link, lambda p: RelatedPersonRead,
                                    lambda row: row[0].client_id, reads=Action.household_read,
                                    linked_client_id=lambda row: row[1]),
    "refusals": ExportSource(ClientRefusal, refusals_visible_to, lambda p: select(ClientRefusal),
                             lambda p, row: shape(p, refusals.read_model(row[0])), lambda p: RefusalRead,
                             lambda row: row[0].client_id, reads=Action.refusal_read),
    "service-uses": ExportSource(ServiceUse, service_uses_visible_to, lambda p: select(ServiceUse),
                                 lambda p, row: shape(p, service_use.use_read(row[0])), lambda p: ServiceUseRead,
                                 lambda row: row[0].client_id, reads=Action.service_use_read),
    "risk-flags": ExportSource(RiskFlag, risk_flags_visible_to, lambda p: select(RiskFlag),
                               lambda p, row: shape(p, service_use.flag_read(row[0])), lambda p: RiskFlagRead,
                               lambda row: row[0].client_id, reads=Action.risk_flag_read),
    "support-plans": ExportSource(SupportPlan, support_plans_visible_to, support_plans.export_select,
                                  support_plans.export_view, lambda p: SupportPlanRead, lambda row: row[0].client_id),
    # Enquiries (the client's id once converted) and advice requests (the asker's and the specialist's).
    "intakes": ExportSource(Intake, intakes_visible_to, lambda p: select(Intake),
                            lambda p, row: shape(p, IntakeRead.model_validate(row[0])), lambda p: IntakeRead,
                            lambda row: row[0].client_id, reads=Action.intake_read),
    "advice-requests": ExportSource(AdviceRequest, advice_requests_visible_to, lambda p: select(AdviceRequest),
                                    lambda p, row: shape(p, consultations.advice_read(row[0])),
                                    lambda p: AdviceRequestRead, lambda row: row[0].client_id,
                                    reads=Action.advice_read),
}


def start(unit: RequestUnit, principal: Principal, resource: str, fmt: str, updated_since: datetime | None) -> None:
    """Check the policy and audit the start (committed with the request, before any row is read)."""
    source = EXPORTS[resource]
    require(unit, principal, source.action, resource_type=resource)
    if source.reads is not None:
        require(unit, principal, source.reads, resource_type=resource)
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
        csv.writer(buffer, lineterminator="\r\n").writerows([neutralise(cell) for cell in row] for row in rows)
        return buffer.getvalue().encode()


async def _audit(writer: async_sessionmaker[AsyncSession], events: list[PendingEvent],
                 context: dict[str, Any], records: list[Any] | None = None) -> None:
    async with writer() as session:
        session.add_all(records or [])
        await audit_writer.append(session, events, context)
        await session.commit()


async def stream(reader: async_sessionmaker[AsyncSession], writer: async_sessionmaker[AsyncSession],
                 principal: Principal, resource: str, fmt: str, bom: bool, updated_since: datetime | None,
                 actor: dict[str, Any], context: dict[str, Any], batch_size: int | None = None) -> AsyncIterator[bytes]:
    batch_size = batch_size or BATCH_SIZE
    source = EXPORTS[resource]
    model = source.model
    encoder = _Encoder(fmt, columns_for(principal, source.view_model(principal)), bom)
    head = encoder.head()
    if head:
        yield head
    order = (model.updated_at, model.id)
    after: tuple[datetime, uuid.UUID] | None = None
    sent = 0
    while True:
        stmt = source.select(principal).where(source.visible(principal))
        if updated_since is not None:
            stmt = stmt.where(model.updated_at > updated_since)
        if after is not None:
            stmt = stmt.where(tuple_(*order) > tuple_(*after))
        async with reader() as session:
            rows = (await session.execute(stmt.order_by(*order).limit(batch_size))).all()
            models = [source.view(principal, row) for row in rows]
        if not rows:
            break
        named = [source.client_id(row) for row in rows]
        if source.linked_client_id is not None:
            named += [source.linked_client_id(row) for row in rows]
        clients = [c for c in dict.fromkeys(named) if c is not None]
        provisions = source.provisions(principal, rows) if source.provisions else []
        await _audit(writer, [PendingEvent(action="read", resource_type=resource, client_id=c, subject="export",
                                           actor=actor) for c in clients], context, provisions)
        yield encoder.rows(models)
        sent += len(rows)
        last = rows[-1][0]
        after = (last.updated_at, last.id)
        if len(rows) < batch_size:
            break
    await _audit(writer, [PendingEvent(action="export", resource_type=resource, subject="complete",
                                       detail={"rows": sent, "format": fmt}, actor=actor)], context)
