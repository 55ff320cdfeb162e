"""Who may see and edit the directory (rules in api.domain.access_rules); which categories answer a purpose."""

from __future__ import annotations

import uuid

import pytest

from api.domain.access_rules import Action, On, can, sees_listing
from api.domain.principal import Principal
from api.domain.resource_directory import (
    CATEGORIES,
    CATEGORY_LABELS,
    PURPOSE_CATEGORIES,
    ReferralPurpose,
    categories_for_purpose,
)
from api.domain.roles import Role

OWN, OTHER = uuid.uuid4(), uuid.uuid4()


def _principal(role: Role, agency: uuid.UUID = OWN) -> Principal:
    return Principal(kind="user", id=uuid.uuid4(), name="x", role=role, agency_id=agency, agency_type="group_home",
                     branches=frozenset())


def test_every_purpose_maps_to_known_categories() -> None:
    assert set(PURPOSE_CATEGORIES) == {p.value for p in ReferralPurpose}
    for purpose, categories in PURPOSE_CATEGORIES.items():
        assert categories, purpose
        assert categories <= CATEGORIES, purpose
    assert categories_for_purpose("group_home") == {"group_home"}
    assert "consultation_support" in categories_for_purpose("housing_search")
    assert set(CATEGORY_LABELS) == CATEGORIES


@pytest.mark.parametrize("role", list(Role))
def test_listing_and_capacity_rights(role: Role) -> None:
    def can_edit_listing(principal: Principal, agency: uuid.UUID) -> str | None:
        return can(principal, Action.listing_edit, On(agency_id=agency))

    def can_edit_capacity(principal: Principal, agency: uuid.UUID) -> str | None:
        return can(principal, Action.capacity_edit, On(agency_id=agency))

    listing = can_edit_listing(_principal(role), OWN) is None
    capacity = can_edit_capacity(_principal(role), OTHER) is None
    assert listing is (role in (Role.admin, Role.partner))
    assert capacity is (role in (Role.admin, Role.supervisor, Role.caseworker, Role.coordinator))
    if role == Role.partner:
        assert can_edit_listing(_principal(role), OTHER) is not None
        assert can_edit_capacity(_principal(role), OWN) is None


def test_inactive_listing_is_seen_by_its_agency_and_the_admin_only() -> None:
    assert sees_listing(None, "active", OWN)
    assert sees_listing(None, "temporarily_closed", OWN)
    assert not sees_listing(None, "inactive", OWN)
    assert sees_listing(_principal(Role.partner), "inactive", OWN)
    assert not sees_listing(_principal(Role.caseworker, OTHER), "inactive", OWN)
    assert sees_listing(_principal(Role.admin, OTHER), "inactive", OWN)
