"""The roles of docs/architecture.md §2 and the agency types they belong to."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    caseworker = "caseworker"
    mental_care_worker = "mental_care_worker"
    public_health_nurse = "public_health_nurse"
    coordinator = "coordinator"
    peer_supporter = "peer_supporter"
    partner = "partner"
    secretariat = "secretariat"
    analyst = "analyst"
    auditor = "auditor"


ROLES = frozenset(r.value for r in Role)
MACHINE_ROLES = frozenset({Role.partner.value, Role.analyst.value})


class AgencyType(StrEnum):
    ward_branch = "ward_branch"
    ward_division = "ward_division"
    support_centre = "support_centre"
    information_centre = "information_centre"
    contracted_corporation = "contracted_corporation"
    psychiatric_hospital = "psychiatric_hospital"
    consultation_office = "consultation_office"
    group_home = "group_home"
    workshop = "workshop"
    metropolitan_government = "metropolitan_government"
    council_secretariat = "council_secretariat"


AGENCY_TYPES = frozenset(t.value for t in AgencyType)
