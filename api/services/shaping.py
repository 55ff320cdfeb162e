"""The one shaping step: what each role receives of each record.

Routers, exports, the change feed and the webhook outbox build the full read model of a record
(api.services.read_models) and pass it through `shape`, which keeps only the fields
api.domain.field_policy grants the caller's role, nested models included; everything else is
withheld (left out, not nulled), so a field added to a model reaches nobody until the policy
names who gets it."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from functools import cache
from typing import Any

import orjson
from pydantic import BaseModel, RootModel, TypeAdapter

from api.domain.field_policy import FIELDS
from api.domain.principal import Principal
from api.domain.roles import Role
from api.schemas.changes import Change, ChangePage
from api.schemas.clients import AccessLogEntry, CareTeamMemberRead, ClientRead, ConsentRead, WithdrawalResult
from api.schemas.common import Tombstone
from api.schemas.consultations import AdviceRequestRead, StaffActivityRead
from api.schemas.episodes import (
    ActivityRead,
    DecisionRead,
    EpisodeDetail,
    EpisodeRead,
    GoalRead,
    StatusChangeRead,
    WorkerDay,
)
from api.schemas.households import RelatedPersonRead
from api.schemas.intakes import IntakeConversion, IntakeRead
from api.schemas.referrals import (
    ChainEntry,
    MessageRead,
    ProvisionRead,
    ReferralChain,
    ReferralDetail,
    ReferralPartnerDetail,
    ReferralPartnerRead,
    ReferralRead,
    ServiceVacancy,
)
from api.schemas.referrals import StatusChangeRead as ReferralStatusChangeRead
from api.schemas.refusals import RefusalRead
from api.schemas.service_use import RiskFlagRead, ServiceUseRead
from api.schemas.support_plans import AssignmentRead, PlanReader, PlanReaders, SupportPlanRead
from api.schemas.webhooks import WebhookEvent

# Every read model that carries client data, and its kind in the field policy.
KIND_OF: dict[type[BaseModel], str] = {
    ClientRead: "client",
    Tombstone: "client_tombstone",
    ConsentRead: "consent",
    WithdrawalResult: "consent_withdrawal",
    CareTeamMemberRead: "care_team_member",
    AccessLogEntry: "access_log_entry",
    EpisodeRead: "episode",
    EpisodeDetail: "episode_detail",
    StatusChangeRead: "episode_status_change",
    DecisionRead: "decision",
    GoalRead: "goal",
    ActivityRead: "activity",
    WorkerDay: "worker_day",
    ReferralRead: "referral",
    ReferralDetail: "referral_detail",
    ReferralPartnerRead: "referral_shared",
    ReferralPartnerDetail: "referral_shared_detail",
    ReferralStatusChangeRead: "referral_status_change",
    ReferralChain: "referral_chain",
    ChainEntry: "referral_chain_entry",
    MessageRead: "referral_message",
    ProvisionRead: "provision",
    Change: "change",
    ChangePage: "change_page",
    WebhookEvent: "webhook_event",
    # --- issue 18: households, refusals, service use and risk ---
    RelatedPersonRead: "related_person",
    RefusalRead: "refusal",
    ServiceUseRead: "service_use",
    RiskFlagRead: "risk_flag",
    # --- issue 18: referral to a full service, support plans ---
    ServiceVacancy: "referral_service_vacancy",
    SupportPlanRead: "support_plan",
    AssignmentRead: "support_plan_assignment",
    PlanReaders: "support_plan_readers",
    PlanReader: "support_plan_reader",
    # --- issue 18: consultations without a client record, and intakes ---
    AdviceRequestRead: "advice_request",
    StaffActivityRead: "staff_activity",
    IntakeRead: "intake",
    IntakeConversion: "intake_conversion",
}


class Shaped(RootModel[dict[str, Any]]):
    """A record as one role may see it: a JSON object of the granted fields only, already in JSON
    types, so it is written with orjson rather than walked again by pydantic."""

    def json_bytes(self) -> bytes:
        return orjson.dumps(self.root)


def shaped_page(items: Sequence[Shaped | dict[str, Any]], next_cursor: str | None) -> Shaped:
    """A `Page` of shaped records (items, next_cursor): `shape`'s results or `shape_many`'s."""
    return Shaped.model_construct({"items": [i.root if isinstance(i, Shaped) else i for i in items],
                                   "next_cursor": next_cursor})


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The read model inside a field's type (and whether it is a list of them)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (list, Sequence) and args:
        inner, _ = _nested(args[0])
        return inner, True
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _nested(args[0])
    return None, False


@cache
def include_spec(model: type[BaseModel], role: Role) -> dict[str, Any]:
    """pydantic's `include` for what `role` receives of `model`: granted fields only, nested
    read models shaped by their own rules; a model without rules gives nothing."""
    grants = FIELDS.get(KIND_OF.get(model, ""), {})
    spec: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if role not in grants.get(name, frozenset()):
            continue
        inner, many = _nested(info.annotation)
        if inner is None:
            spec[name] = True
            continue
        sub = include_spec(inner, role)
        if sub:
            spec[name] = {"__all__": sub} if many else sub
    return spec


def visible_columns(role: Role, model: type[BaseModel]) -> list[str]:
    """The top-level fields `role` receives, in the model's order (export columns)."""
    return list(include_spec(model, role))


def shape_as(role: Role, record: BaseModel) -> Shaped:
    spec = include_spec(type(record), role)
    return Shaped.model_construct(record.model_dump(mode="json", include=spec) if spec else {})


def shape(principal: Principal, record: BaseModel) -> Shaped:
    """The one shaping step: `record` as the principal's role may see it."""
    return shape_as(principal.role, record)


def shape_all(principal: Principal, records: Sequence[BaseModel]) -> list[Shaped]:
    return [shape(principal, r) for r in records]


@cache
def _many(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def read_page(model: type[BaseModel], rows: Sequence[Any]) -> list[Any]:
    """Read models of a page from its rows' column values (mappings), validated in one call."""
    return _many(model).validate_python(rows)


def shape_many_as(role: Role, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
    """`shape_as` for a page of records at once (the same fields, the same JSON): one serialiser
    call for the page instead of one per record, when the records are of one read model."""
    if not records:
        return []
    model = type(records[0])
    if any(type(r) is not model for r in records):
        return [shape_as(role, r).root for r in records]
    spec = include_spec(model, role)
    if not spec:
        return [{} for _ in records]
    shaped: list[dict[str, Any]] = _many(model).dump_python(list(records), mode="json", include={"__all__": spec})
    return shaped


def shape_many(principal: Principal, records: Sequence[BaseModel]) -> list[dict[str, Any]]:
    """The one shaping step for a page: `shape(principal, r).root` for each record."""
    return shape_many_as(principal.role, records)


def shape_rows(principal: Principal, model: type[BaseModel], rows: Sequence[Any]) -> list[dict[str, Any]]:
    """`shape` for a page of database rows read as `model` (its fields from their attributes):
    validated and shaped in one call each for the whole page."""
    if not rows:
        return []
    return shape_many(principal, _many(model).validate_python(rows, from_attributes=True))


def columns_for(principal: Principal, model: type[BaseModel]) -> list[str]:
    """Export columns: the granted fields of a client-data model; every field of one without
    client data (meetings)."""
    return visible_columns(principal.role, model) if model in KIND_OF else list(model.model_fields)


def sent_to_every_reader(model: type[BaseModel]) -> list[str]:
    """The fields every role that receives `model` gets: the only ones the OpenAPI document may
    call required (the others are left out for some roles)."""
    readers = [include_spec(model, role) for role in Role]
    shared = set.intersection(*(set(spec) for spec in readers if spec)) if any(readers) else set()
    return [name for name in model.model_fields if name in shared]


def refuse_unshaped(model: BaseModel) -> None:
    """The last gate before the wire: a read model carrying client data (or a page of them) that
    did not pass `shape` is a programming error, refused rather than sent whole."""
    items = getattr(model, "items", None)
    inside = isinstance(items, list) and any(isinstance(i, _CLIENT_DATA) for i in items)
    if isinstance(model, _CLIENT_DATA) or inside:
        raise TypeError(f"{type(model).__name__} carries client data: pass it through api.services.shaping.shape")


_CLIENT_DATA = tuple(KIND_OF)
