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

# Roles that work on individual clients through a care team.
CARE_ROLES = frozenset(
    {
        Role.supervisor,
        Role.caseworker,
        Role.mental_care_worker,
        Role.public_health_nurse,
        Role.coordinator,
        Role.peer_supporter,
    }
)
# Roles that never receive a client record (separation of duties, aggregate-only users).
NO_CLIENT_DATA_ROLES = frozenset({Role.admin, Role.secretariat, Role.analyst, Role.auditor})


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
