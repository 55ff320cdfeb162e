"""The one field policy, walked: a fully populated record of every read model that carries client
data, shaped for every role, against the table below of what each role must receive.

The table is written out here on purpose, apart from api.domain.field_policy: a change to the
policy must be made twice to pass. A field added to a read model without a rule reaches nobody
(deny by default), which this walk notices because the table names every field of every model."""

from __future__ import annotations

import types
import typing
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import orjson
import pytest
from pydantic import BaseModel

from api.domain.field_policy import FIELDS
from api.domain.roles import Role
from api.services.shaping import KIND_OF, shape_as, shape_many_as

CARE = frozenset({Role.supervisor, Role.caseworker, Role.mental_care_worker, Role.public_health_nurse,
                  Role.coordinator})
PEER = Role.peer_supporter
PARTNER = Role.partner
ALL = "all"

# kind -> (what care professionals see, what peer supporters see, what partners see); every
# other role sees nothing of any of them. ALL: every field of the model.
TABLE: dict[str, tuple[Any, set[str], set[str]]] = {
    "client": (ALL, {"id", "name", "kana", "branch_code", "phone", "emergency_contacts", "active", "updated_at",
                     "version"}, set()),
    "client_tombstone": (ALL, {"id", "deleted", "updated_at"}, set()),
    "consent": (ALL, {"id", "client_id", "sequence", "status", "agency_ids", "agency_types", "programme_codes",
                      "purposes", "data_categories", "given_on", "expires_on", "withdrawn_on", "created_at",
                      "version"}, set()),
    "consent_withdrawal": (ALL, {"consent", "closed_episode_ids", "cancelled_referral_ids"}, set()),
    "care_team_member": (ALL, {"id", "client_id", "user_id", "team_role", "from_date", "to_date", "version"}, set()),
    "access_log_entry": (ALL, set(), set()),
    "episode": (ALL, {"id", "client_id", "programme_id", "programme_code", "branch_code", "operating_agency_id",
                      "lead_worker_id", "status", "proposed_on", "started_on", "planned_end", "ended_on", "overdue",
                      "allowed_actions", "created_at", "updated_at", "version"}, set()),
    "episode_detail": (ALL, {"id", "client_id", "programme_id", "programme_code", "branch_code",
                             "operating_agency_id", "lead_worker_id", "status", "proposed_on", "started_on",
                             "planned_end", "ended_on", "overdue", "allowed_actions", "created_at", "updated_at",
                             "version"}, set()),
    "episode_status_change": (ALL, set(), set()),
    "decision": (ALL, set(), set()),
    "goal": (ALL, {"id", "episode_id", "text", "status", "review_on", "updated_at", "version"}, set()),
    "activity": (ALL, {"id", "client_id", "episode_id", "kind", "purpose", "off_hours", "occurred_at",
                       "duration_minutes", "travel_minutes", "performer_id", "participants", "note", "next_step",
                       "updated_at", "version"}, set()),
    "worker_day": (ALL, {"performer_id", "date", "visits", "capacity", "remaining", "minutes_with_travel",
                         "activities"}, set()),
    "referral": (ALL, set(), {"id", "from_agency_id", "to_agency_id", "to_service_id", "part_of", "purpose",
                              "priority", "reason", "due_on", "status", "status_reason", "business_status",
                              "shared_fields", "shared_snapshot", "sent_at", "overdue", "allowed_actions",
                              "created_at", "updated_at", "version"}),
    "referral_detail": (ALL, set(), {"id", "from_agency_id", "to_agency_id", "to_service_id", "part_of", "purpose",
                                     "priority", "reason", "due_on", "status", "status_reason", "business_status",
                                     "shared_fields", "shared_snapshot", "sent_at", "overdue", "allowed_actions",
                                     "created_at", "updated_at", "version", "history", "service_vacancy"}),
    "referral_shared": (ALL, set(), ALL),
    "referral_shared_detail": (ALL, set(), ALL),
    "referral_status_change": (ALL, set(), ALL),
    "referral_chain": (ALL, set(), ALL),
    "referral_chain_entry": (ALL, set(), ALL),
    "referral_message": (ALL, set(), ALL),
    "provision": (ALL, set(), set()),
    "change": (ALL, ALL, set()),
    "change_page": (ALL, ALL, set()),
    "webhook_event": (set(), set(), ALL),  # and the admin: it subscribes for agencies
    # --- issue 18: households, refusals, service use and risk --- care professionals only
    "related_person": (ALL, set(), set()),
    "refusal": (ALL, set(), set()),
    "service_use": (ALL, set(), set()),
    "risk_flag": (ALL, set(), set()),
    # --- issue 18: referral to a full service, support plans ---
    "referral_service_vacancy": (ALL, set(), ALL),
    "support_plan": (ALL, {"id", "episode_id", "client_id", "number", "status", "current", "goals", "assignments",
                           "created_by", "published_at", "published_by", "acknowledged_by_me", "created_at",
                           "updated_at", "version"}, set()),
    "support_plan_assignment": (ALL, ALL, set()),
    "support_plan_readers": (ALL, ALL, set()),
    "support_plan_reader": (ALL, ALL, set()),
    # --- issue 18: consultations without a client record, and intakes ---
    "advice_request": (ALL, set(), set()),
    "staff_activity": (ALL, set(), set()),
    "intake": (ALL, set(), set()),
    "intake_conversion": (ALL, set(), set()),
}
MODELS = {kind: model for model, kind in KIND_OF.items()}


def expected(kind: str, role: Role) -> set[str]:
    fields = set(MODELS[kind].model_fields)
    care, peer, partner = TABLE[kind]
    if kind == "webhook_event" and role == Role.admin:
        return fields
    chosen = care if role in CARE else peer if role == PEER else partner if role == PARTNER else set()
    return fields if chosen == ALL else set(chosen)


def _value(annotation: Any, name: str) -> Any:
    """A distinctive non-empty value of the annotated type (never None), so a leak is visible."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return _value(args[0], name)
    if origin is Literal:
        return args[0]
    if origin is list:
        return [_value(args[0], name)]
    if origin is dict or annotation is dict:
        return {"k": f"secret-{name}"}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return populated(annotation)
    simple: dict[Any, Any] = {
        uuid.UUID: uuid.uuid4(), str: f"secret-{name}-{uuid.uuid4().hex[:6]}", int: 7, bool: True,
        date: date(2010, 7, 21), datetime: datetime(2010, 7, 21, 5, 0, tzinfo=UTC), Decimal: Decimal("12.5"),
        object: f"secret-{name}",
    }
    if annotation in simple:
        return simple[annotation]
    raise AssertionError(f"no sample value for {annotation!r} ({name})")


def populated(model: type[BaseModel]) -> BaseModel:
    return model.model_construct(**{n: _value(f.annotation, n) for n, f in model.model_fields.items()})


def test_every_field_of_every_shaped_model_has_a_rule() -> None:
    for model, kind in KIND_OF.items():
        unruled = set(model.model_fields) - set(FIELDS[kind])
        assert not unruled, f"{model.__name__}: fields nobody is granted yet (add rules): {sorted(unruled)}"
        stale = set(FIELDS[kind]) - set(model.model_fields)
        assert not stale, f"{model.__name__}: rules for fields that do not exist: {sorted(stale)}"
    assert set(TABLE) == set(FIELDS) == set(MODELS)


def _walk(kind: str, role: Role, shaped: dict[str, Any], path: str) -> list[str]:
    problems = []
    want = expected(kind, role)
    if set(shaped) != want:
        problems.append(f"{path}: got {sorted(set(shaped) - want)} extra, {sorted(want - set(shaped))} missing")
    model = MODELS[kind]
    for name, value in shaped.items():
        inner = KIND_OF.get(_inner(model.model_fields[name].annotation))  # type: ignore[arg-type]
        if inner is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            problems += _walk(inner, role, item, f"{path}.{name}")
    return problems


def _inner(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return _inner(args[0]) if args else annotation


def _strings(value: Any) -> set[str]:
    if isinstance(value, BaseModel):
        return set().union(*(_strings(v) for v in dict(value).values()))
    if isinstance(value, dict):
        return set().union(set(), *(_strings(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(_strings(v) for v in value))
    return {value} if isinstance(value, str) and value.startswith("secret-") else set()


@pytest.mark.parametrize("kind", sorted(FIELDS))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_receives_exactly_its_fields(kind: str, role: Role) -> None:
    record = populated(MODELS[kind])
    shaped = shape_as(role, record).root
    problems = _walk(kind, role, shaped, kind)
    assert not problems, "\n".join(problems)
    # Nothing of a withheld field travels, not even as a value inside another one.
    withheld = set(MODELS[kind].model_fields) - set(shaped)
    body = orjson.dumps(shaped).decode()
    for name in withheld:
        for secret in _strings(getattr(record, name)):
            assert secret not in body, f"{kind}.{name} leaked to {role}"


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_a_page_is_shaped_as_each_of_its_records(kind: str) -> None:
    """Lists shape a page in one call (shape_many): the same JSON as shaping each record."""
    records = [populated(MODELS[kind]), populated(MODELS[kind])]
    for role in Role:
        assert shape_many_as(role, records) == [shape_as(role, r).root for r in records], role


def test_a_new_field_is_withheld_from_everyone_until_a_rule_grants_it() -> None:
    from api.schemas.clients import ClientRead

    class ClientWithNewField(ClientRead):
        shoe_size: str

    KIND_OF[ClientWithNewField] = "client"
    try:
        record = ClientWithNewField.model_construct(**dict(populated(ClientRead)), shoe_size="secret-27")
        for role in Role:
            assert "shoe_size" not in shape_as(role, record).root
    finally:
        del KIND_OF[ClientWithNewField]


def test_an_unshaped_client_record_never_reaches_the_wire() -> None:
    from api.conventions import json_response, list_response
    from api.pagination import Page
    from api.schemas.clients import ClientRead

    record = populated(ClientRead)
    for send in (lambda: json_response(record), lambda: list_response([record]),
                 lambda: json_response(Page[ClientRead].model_construct(items=[record], next_cursor=None))):
        with pytest.raises(TypeError, match="carries client data"):
            send()
    assert json_response(shape_as(Role.peer_supporter, record)).status_code == 200


def test_the_change_feed_and_exports_shape_an_episode_for_the_reader() -> None:
    from api.db.models import Episode
    from api.domain.principal import Principal
    from api.services.changes import FEED
    from api.services.exports import EXPORTS

    now = datetime.now(UTC)
    episode = Episode(id=uuid.uuid4(), client_id=uuid.uuid4(), programme_id=uuid.uuid4(), branch_code="kinuta",
                      operating_agency_id=uuid.uuid4(), lead_worker_id=None, status="finished",
                      proposed_on=date(2010, 4, 1), started_on=date(2010, 5, 1), planned_end=date(2011, 4, 30),
                      ended_on=date(2010, 11, 1), closure_reason="hospitalised",
                      living_situation_at_closure="secret-living", created_at=now, updated_at=now, version=2)
    for role in Role:
        reader = Principal(kind="user", id=uuid.uuid4(), name="x", role=role, agency_id=uuid.uuid4(),
                           agency_type="support_centre", branches=frozenset())
        for shown in (FEED["episode"].view(reader, (episode, "p1")).model_dump(mode="json"),
                      EXPORTS["episodes"].view(reader, (episode, "p1")).model_dump(mode="json")):
            assert set(shown) == expected("episode", role), role
            assert ("secret-living" in str(shown)) is (role in CARE)
