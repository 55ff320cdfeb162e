"""What a referral may share with the receiving agency, and what the client's consent must cover.

The receiver never reads the live client record: at send time the chosen fields are copied into a
frozen snapshot, and only that snapshot is ever shown to the receiving side. Each field belongs to
a consent data category; a send needs a consent covering every category it shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from api.domain.codes import REFERRAL_SHARED_FIELDS, codes_of

__all__ = [
    "CATEGORY_OF_FIELD",
    "SHARED_FIELDS",
    "consent_purposes_for",
    "data_categories_for",
    "snapshot_of",
]

SHARED_FIELDS: frozenset[str] = codes_of(REFERRAL_SHARED_FIELDS)

CATEGORY_OF_FIELD: Mapping[str, str] = MappingProxyType({c.code: c.group or c.code for c in REFERRAL_SHARED_FIELDS})

# A referral always needs the consent purpose `referral`; some referral purposes also name the
# consent purpose the client agreed to for that kind of help (a flat search, medical care).
_SPECIFIC_CONSENT_PURPOSE: Mapping[str, str] = MappingProxyType({
    "housing_search": "housing_search",
    "group_home": "housing_search",
    "outpatient": "medical_care",
})


def consent_purposes_for(referral_purpose: str) -> list[str]:
    """Consent purposes a referral for *referral_purpose* needs, `referral` first."""
    specific = _SPECIFIC_CONSENT_PURPOSE.get(referral_purpose)
    return ["referral", specific] if specific else ["referral"]


def data_categories_for(fields: Iterable[str]) -> list[str]:
    """The consent data categories the shared *fields* fall under, sorted and without repeats."""
    return sorted({CATEGORY_OF_FIELD[f] for f in fields})


def snapshot_of(fields: Iterable[str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly the chosen fields of *values*: nothing else can reach the receiver."""
    return {f: values.get(f) for f in sorted(set(fields)) if f in SHARED_FIELDS}
