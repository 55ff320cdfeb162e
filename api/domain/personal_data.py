"""The personal-data lifecycle's rules (APPI): which fields of a client's record a correction
request may change, when a record falls due for erasure, and what erasure leaves behind.

Erasure is in place, not deletion: the rows that statistics, third-party provision records and the
audit trail point at stay, with every field that identifies the person or describes them in words
emptied. What stays is what the dashboard counts (sex, branch, diagnosis group, programmes, dates of
support) and a birth date coarsened to 1 July of its year, so age bands stay right within a year."""

from __future__ import annotations

from datetime import date

__all__ = [
    "CORRECTABLE_FIELDS",
    "CORRECTABLE_FIELD_NAMES",
    "ERASED_KANA",
    "ERASED_NAME",
    "coarse_birth_date",
    "erasure_due_on",
]

# Fields of the client record a correction request may name (the rest are the service's own or
# decided by procedures of their own: branch, care team, consents, episodes).
CORRECTABLE_FIELD_NAMES = (
    "name", "kana", "date_of_birth", "sex", "phone", "residence_type", "residence_since", "diagnoses",
    "public_assistance", "emergency_contacts", "notes",
)
CORRECTABLE_FIELDS: frozenset[str] = frozenset(CORRECTABLE_FIELD_NAMES)
ERASED_NAME = "（消去済み）"
ERASED_KANA = "ショウキョズミ"


def erasure_due_on(last_closed_on: date | None, deactivated_on: date | None, open_episodes: int,
                   years: int) -> date | None:
    """The day a record falls due: *years* after its last episode closed, or after deactivation
    for a record that never had one. Never while an episode is open."""
    if open_episodes:
        return None
    start = last_closed_on or deactivated_on
    if start is None:
        return None
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def coarse_birth_date(born: date) -> date:
    return date(born.year, 7, 1)
