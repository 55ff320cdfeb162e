"""The social-resource directory (社会資源): its code lists, which categories answer a referral
purpose, and how a status reads in Open Referral HSDS.

Pure rules: the database enforces the codes through CHECKs built from these sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "CAPACITY_UNITS",
    "CAPACITY_UNIT_CODES",
    "CATEGORIES",
    "CATEGORY_LABELS",
    "HSDS_STATUS",
    "PUBLIC_STATUSES",
    "PURPOSE_CATEGORIES",
    "REFERRAL_PURPOSES",
    "SERVICE_STATUSES",
    "ReferralPurpose",
    "ServiceCategory",
    "ServiceStatus",
    "categories_for_purpose",
]


class ServiceCategory(StrEnum):
    GROUP_HOME = "group_home"
    RESIDENTIAL = "residential"  # hostels and other residential places
    TRIAL_STAY = "trial_stay"
    EMPLOYMENT_SUPPORT = "employment_support"  # workshops (作業所) and employment support
    DAY_ACTIVITY = "day_activity"  # day-activity and drop-in places (居場所)
    CONSULTATION_SUPPORT = "consultation_support"
    HOME_HELP = "home_help"
    PEER_SUPPORT = "peer_support"
    OUTPATIENT_CLINIC = "outpatient_clinic"
    OTHER = "other"


class ServiceStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    TEMPORARILY_CLOSED = "temporarily_closed"


CATEGORIES = frozenset(c.value for c in ServiceCategory)
CATEGORY_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "group_home": ("グループホーム", "Group home"),
        "residential": ("ホステル・入所施設", "Hostel or residential"),
        "trial_stay": ("体験宿泊", "Trial stay"),
        "employment_support": ("作業所・就労支援", "Workshop or employment support"),
        "day_activity": ("日中活動・居場所", "Day activity or drop-in place"),
        "consultation_support": ("相談支援", "Consultation support"),
        "home_help": ("ホームヘルプ", "Home help"),
        "peer_support": ("ピアサポート", "Peer support"),
        "outpatient_clinic": ("外来・デイケア", "Outpatient clinic"),
        "other": ("その他", "Other"),
    }
)
SERVICE_STATUSES = frozenset(s.value for s in ServiceStatus)
CAPACITY_UNIT_CODES = ("persons", "rooms", "beds", "places_per_day", "cases")
CAPACITY_UNITS = frozenset(CAPACITY_UNIT_CODES)

# Shown to everyone, without login: a temporarily closed place is still worth knowing about.
# An inactive listing is withdrawn; only its own agency and the admin still see it.
PUBLIC_STATUSES = frozenset({ServiceStatus.ACTIVE.value, ServiceStatus.TEMPORARILY_CLOSED.value})

HSDS_STATUS: Mapping[str, str] = MappingProxyType(
    {"active": "active", "inactive": "inactive", "temporarily_closed": "temporarily closed"}
)

class ReferralPurpose(StrEnum):
    """What a referral asks for (the referral purposes of the reference lists)."""

    HOUSING_SEARCH = "housing_search"
    GROUP_HOME = "group_home"
    CONSULTATION_SUPPORT = "consultation_support"
    OUTPATIENT = "outpatient"
    TRIAL_STAY = "trial_stay"
    PEER_SUPPORT = "peer_support"
    DAY_ACTIVITY = "day_activity"
    EMPLOYMENT_SUPPORT = "employment_support"
    HOME_HELP = "home_help"
    OTHER = "other"


REFERRAL_PURPOSES = frozenset(p.value for p in ReferralPurpose)

# Which kinds of service can take a referral made for each purpose. A flat search (部屋探し) is
# done with a group home or a residential place, or by a consultation office that searches for
# one; "other" leaves the choice open.
PURPOSE_CATEGORIES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "housing_search": frozenset({"group_home", "residential", "consultation_support"}),
        "group_home": frozenset({"group_home"}),
        "consultation_support": frozenset({"consultation_support"}),
        "outpatient": frozenset({"outpatient_clinic"}),
        "trial_stay": frozenset({"trial_stay", "residential"}),
        "peer_support": frozenset({"peer_support"}),
        "day_activity": frozenset({"day_activity"}),
        "employment_support": frozenset({"employment_support"}),
        "home_help": frozenset({"home_help"}),
        "other": frozenset(CATEGORIES),
    }
)

def categories_for_purpose(purpose: str) -> frozenset[str]:
    """The service categories that can take a referral for `purpose` (KeyError if unknown)."""
    return PURPOSE_CATEGORIES[purpose]

