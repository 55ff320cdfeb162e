"""Which of a client's refusals stand in the way of a care-team member or a referral.

「ご本人は保健師の関わりを拒否していた」: a client may refuse a profession (a care-team role) or a
named agency. Adding a member of that profession or agency to the care team, or referring the
client to that agency, is refused (409) naming the refusal, unless the worker gives a reason to
go ahead anyway, which is audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Refusal:
    id: uuid.UUID
    team_role: str | None
    agency_id: uuid.UUID | None
    refused_on: date
    ended_on: date | None

    def active_on(self, day: date) -> bool:
        """A refusal holds from the day it was made until the day before it ended."""
        return self.refused_on <= day and (self.ended_on is None or self.ended_on > day)


def blocking_member(refusals: Iterable[Refusal], day: date, roles: Iterable[str],
                    agency_id: uuid.UUID) -> list[Refusal]:
    """Refusals a new care-team member would go against: of its team role or its user role (a
    public health nurse stays one whatever team role is chosen), or of its agency."""
    professions = set(roles)
    return [r for r in refusals if r.active_on(day)
            and ((r.team_role is not None and r.team_role in professions) or r.agency_id == agency_id)]


def blocking_agency(refusals: Iterable[Refusal], day: date, agency_id: uuid.UUID) -> list[Refusal]:
    """Refusals a referral to this agency would go against."""
    return [r for r in refusals if r.active_on(day) and r.agency_id == agency_id]
