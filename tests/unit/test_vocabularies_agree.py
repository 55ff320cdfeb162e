"""Every code list is written once, in the domain (api.domain.codes and the domain enums): the schemas,
the reference endpoint and the demo data take it from there. These tests fail when a schema offers a
code the domain does not define, when a reference list and the field it describes disagree, or when
the demo uses a code its field's list does not have."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import json
import pkgutil
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest

import api.domain
from api.demo import newsletter
from api.domain import codes
from api.domain.codes import OneOf
from api.domain.resource_directory import ReferralPurpose
from api.schemas import clients, episodes, referrals

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def values_of(alias: object) -> tuple[str, ...]:
    """The codes an `Annotated[str, OneOf(...)]` field type allows."""
    found = [m for m in getattr(alias, "__metadata__", ()) if isinstance(m, OneOf)]
    assert len(found) == 1, f"{alias!r} is not a coded field type"
    return found[0].values


def test_referral_purposes_agree() -> None:
    assert set(values_of(referrals.ReferralPurpose)) == {p.value for p in ReferralPurpose}


def test_client_code_literals_match_reference_lists() -> None:
    assert set(values_of(clients.Sex)) == codes.codes_of(codes.SEXES)
    assert set(values_of(clients.ResidenceType)) == codes.codes_of(codes.RESIDENCE_TYPES)
    assert set(values_of(clients.TeamRole)) == codes.codes_of(codes.TEAM_ROLES)
    assert set(values_of(episodes.ActivityKind)) == codes.codes_of(codes.ACTIVITY_KINDS)
    assert set(values_of(episodes.AccompanimentPurpose)) == codes.codes_of(codes.ACCOMPANIMENT_PURPOSES)
    assert set(values_of(episodes.ClosureReasonName)) == codes.codes_of(codes.CLOSURE_REASONS)
    assert set(values_of(episodes.GoalStatus)) == codes.codes_of(codes.GOAL_STATUSES)


# ------------------------------------------------------------------ the spec against the domain ----

def domain_lists() -> dict[frozenset[str], str]:
    """Every code set the domain defines, by its codes: the labelled lists, the domain enums, the
    coded field types and the ordered code tuples of every api.domain module."""
    found: dict[frozenset[str], str] = {}
    for info in pkgutil.iter_modules(api.domain.__path__):
        module = importlib.import_module(f"api.domain.{info.name}")
        for name, value in vars(module).items():
            where = f"{info.name}.{name}"
            if isinstance(value, type) and issubclass(value, enum.StrEnum) and value is not enum.StrEnum:
                found.setdefault(frozenset(m.value for m in value), where)
            elif isinstance(value, tuple) and value and all(isinstance(c, codes.Code) for c in value):
                found.setdefault(frozenset(c.code for c in value), where)
            elif isinstance(value, tuple) and value and all(isinstance(c, str) for c in value):
                found.setdefault(frozenset(value), where)
            elif get_origin(value) is typing.Annotated:
                found.setdefault(frozenset(values_of(value)), where)
            elif get_origin(value) is typing.Literal:
                found.setdefault(frozenset(get_args(value)), where)
    return found


# Enums of the protocol, not of the domain: wire formats, languages, mailbox views, the states of the
# service's own jobs and deliveries, OAuth client types, the login page's steps, RFC 5545 frequencies,
# the change feed's vocabulary and a correction's verdict. New ones belong here only if they are not
# codes a front-end would show from a reference list.
PROTOCOL_ENUMS = {
    frozenset({"ndjson", "csv"}),
    frozenset({"ja", "en"}),
    frozenset({"incoming", "outgoing"}),
    frozenset({"pending", "delivered", "dead"}),
    frozenset({"password", "otp", "enrol", "continue"}),
    frozenset({"queued", "running", "succeeded", "failed"}),
    frozenset({"public", "confidential"}),
    frozenset({"WEEKLY", "MONTHLY"}),
    frozenset({"accept", "reject"}),
}


def spec_enums(node: Any, path: str = "") -> Iterator[tuple[str, list[Any]]]:
    if isinstance(node, dict):
        if "enum" in node:
            yield path, node["enum"]
        for key, value in node.items():
            yield from spec_enums(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from spec_enums(value, f"{path}/{i}")


def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return loaded


def test_every_enum_of_the_spec_is_a_domain_list() -> None:
    lists = domain_lists()
    strays = [(path, values) for path, values in spec_enums(spec())
              if frozenset(values) not in lists and frozenset(values) not in PROTOCOL_ENUMS]
    assert not strays, (f"the spec offers codes no domain list defines: {strays}. Define the list in "
                        "api/domain/codes.py (with labels) or a domain enum, and annotate the field with it")


def test_a_stray_code_is_caught() -> None:
    lists = domain_lists()
    assert frozenset({"female", "male", "other", "unknown"}) in lists
    assert frozenset({"female", "male", "other", "unknown", "robot"}) not in lists


def _at(document: dict[str, Any], pointer: str) -> Any:
    node: Any = document
    for part in pointer.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part.replace("~1", "/")]
    return node


# Each reference list and the request fields whose values it labels (JSON pointers into the spec).
REFERENCE_FIELDS = {
    "sexes": ["/components/schemas/ClientCreate/properties/sex"],
    "residence-types": ["/components/schemas/ClientCreate/properties/residence_type"],
    "activity-kinds": ["/components/schemas/ActivityCreate/properties/kind"],
    "accompaniment-purposes": ["/components/schemas/ActivityCreate/properties/purpose/anyOf/0"],
    "closure-reasons": ["/components/schemas/TransitionRequest/properties/closure_reason/anyOf/0"],
    "episode-statuses": ["/paths/~1v1~1episodes/get/parameters/2/schema/anyOf/0"],
    "goal-statuses": ["/components/schemas/GoalCreate/properties/status"],
    "team-roles": ["/components/schemas/CareTeamMemberCreate/properties/team_role"],
    "consent-purposes": ["/components/schemas/ConsentCreate/properties/purposes/items"],
    "data-categories": ["/components/schemas/ConsentCreate/properties/data_categories/items"],
    "consent-recorded-how": ["/components/schemas/ConsentCreate/properties/recorded_how"],
    "emergency-contact-kinds": ["/components/schemas/EmergencyContact/properties/kind"],
    "referral-purposes": ["/components/schemas/ReferralCreate/properties/purpose"],
    "referral-priorities": ["/components/schemas/ReferralCreate/properties/priority"],
    "referral-statuses": ["/paths/~1v1~1referrals/get/parameters/1/schema/anyOf/0"],
    "referral-shared-fields": ["/components/schemas/ReferralCreate/properties/shared_fields/items"],
    "emergency-access-reasons": ["/components/schemas/EmergencyAccessOpen/properties/reason_code"],
    "emergency-access-review-statuses": ["/paths/~1v1~1emergency-access/get/parameters/0/schema/anyOf/0"],
    "correction-sources": ["/components/schemas/CorrectionCreate/properties/source"],
    "correction-statuses": ["/components/schemas/CorrectionRead/properties/status"],
    # --- issue 18 ---
    "relationships": ["/components/schemas/RelatedPersonCreate/properties/relationship"],
    "refusal-sources": ["/components/schemas/RefusalCreate/properties/source"],
    "service-use-kinds": ["/components/schemas/ServiceUseCreate/properties/kind"],
    "risk-flags": ["/components/schemas/RiskFlagCreate/properties/code"],
    "support-plan-statuses": ["/components/schemas/SupportPlanRead/properties/status"],
    "episode-ending-conditions": ["/paths/~1v1~1episode-endings/get/parameters/0/schema"],
    "advice-request-statuses": ["/components/schemas/AdviceRequestRead/properties/status"],
    "staff-activity-kinds": ["/components/schemas/StaffActivityCreate/properties/kind"],
    "intake-urgencies": ["/components/schemas/IntakeCreate/properties/urgency"],
    "intake-referrer-types": ["/components/schemas/IntakeCreate/properties/referrer_type"],
    "intake-consent-states": ["/components/schemas/IntakeCreate/properties/consent_state"],
    "intake-triage-outcomes": ["/components/schemas/IntakeRead/properties/triage_outcome"],
    "intake-statuses": ["/components/schemas/IntakeRead/properties/status"],
}
# Lists that label values a schema field does not take as an enum (free codes checked by the service).
NOT_AN_ENUM = {"diagnosis-groups", "diagnosis-codes", "schedule-conflicts"}


@pytest.mark.parametrize("name", sorted(set(codes.LISTS) - NOT_AN_ENUM), ids=str)
def test_reference_list_equals_its_fields_enum(name: str) -> None:
    document = spec()
    listed = [c.code for c in codes.LISTS[name]]
    assert REFERENCE_FIELDS.get(name), f"name the schema fields of reference list {name!r} in REFERENCE_FIELDS"
    for pointer in REFERENCE_FIELDS[name]:
        assert _at(document, pointer)["enum"] == listed, f"{pointer} and /v1/reference/{name} disagree"


def test_every_labelled_list_is_served() -> None:
    labelled = {name for name, value in vars(codes).items()
                if isinstance(value, tuple) and value and all(isinstance(c, codes.Code) for c in value)}
    served = {name for name, value in vars(codes).items() if any(value is v for v in codes.LISTS.values())}
    assert labelled == served, f"labelled lists not served by /v1/reference: {labelled - served}"


# --------------------------------------------------------------------- the demo against the domain ----

def _demo_records() -> Iterator[object]:
    seen: set[int] = set()

    def walk(value: object) -> Iterator[object]:
        if id(value) in seen:
            return
        seen.add(id(value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield value
            for field in dataclasses.fields(value):
                yield from walk(getattr(value, field.name))
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                yield from walk(item)
        elif isinstance(value, dict) or (hasattr(value, "values") and hasattr(value, "keys")):
            for item in value.values():  # type: ignore[union-attr]
                yield from walk(item)

    for name in newsletter.__all__:
        yield from walk(getattr(newsletter, name))


def _allowed(annotation: Any) -> tuple[str, ...] | None:
    """The codes a demo field's annotation allows (looking through `| None` and `tuple[X, ...]`)."""
    if get_origin(annotation) is typing.Annotated:
        found = [m for m in annotation.__metadata__ if isinstance(m, OneOf)]
        return found[0].values if found else None
    for arg in get_args(annotation):
        allowed = _allowed(arg)
        if allowed is not None:
            return allowed
    return None


def _codes_in(value: object) -> list[object]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for item in value for v in _codes_in(item)]
    return [] if value is None else [value]


def test_demo_data_uses_the_domain_codes() -> None:
    checked = 0
    wrong = []
    for record in _demo_records():
        hints = typing.get_type_hints(type(record), vars(newsletter), include_extras=True)
        for field in dataclasses.fields(record):  # type: ignore[arg-type]
            allowed = _allowed(hints.get(field.name))
            if allowed is None:
                continue
            for value in _codes_in(getattr(record, field.name)):
                checked += 1
                if value not in allowed:
                    wrong.append(f"{type(record).__name__}.{field.name}={value!r}")
    assert checked > 100, "the walk found the demo's coded fields"
    assert not wrong, f"demo values outside their field's list: {wrong}"


def test_the_change_feed_reports_exactly_its_vocabulary() -> None:
    from api.domain.change_feed import FEED_RESOURCE_TYPES
    from api.services.changes import FEED

    assert set(FEED) == set(FEED_RESOURCE_TYPES)
