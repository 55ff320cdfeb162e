"""What a consent (同意) covers on a day, and what its withdrawal ends: pure rules.

Episodes (starting needs a covering consent), referrals (sending needs one), the consent read model
(its status) and the withdrawal use case all ask these functions; none of them decides on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from enum import StrEnum
from typing import Protocol

from api.domain.episode_transitions import EpisodeAction, EpisodeStatus
from api.domain.referral_transitions import ReferralAction

__all__ = [
    "ENROLMENT_PURPOSE",
    "EPISODE_CLOSURE_ON_WITHDRAWAL",
    "LIVING_SITUATION_ON_WITHDRAWAL",
    "REFERRAL_ACTION_ON_WITHDRAWAL",
    "WITHDRAWAL_REASON",
    "ConsentStatus",
    "ConsentTerms",
    "covers",
    "episode_action_on_withdrawal",
    "status_of",
]


class ConsentTerms(Protocol):
    """The parts of a consent record the rules read (the ORM row has them)."""

    @property
    def given_on(self) -> date: ...
    @property
    def expires_on(self) -> date | None: ...
    @property
    def withdrawn_on(self) -> date | None: ...
    @property
    def purposes(self) -> Sequence[str]: ...
    @property
    def data_categories(self) -> Sequence[str]: ...
    @property
    def agency_ids(self) -> Sequence[uuid.UUID]: ...
    @property
    def agency_types(self) -> Sequence[str]: ...
    @property
    def programme_codes(self) -> Sequence[str]: ...


class ConsentStatus(StrEnum):
    DRAFT = "draft"  # given on a later day
    ACTIVE = "active"
    INACTIVE = "inactive"  # withdrawn or expired


# The purpose an episode's consent must name (codes.CONSENT_PURPOSES).
ENROLMENT_PURPOSE = "programme_enrolment"

# What withdrawal records on what it ends.
WITHDRAWAL_REASON = "本人の同意撤回 (consent withdrawn)"
EPISODE_CLOSURE_ON_WITHDRAWAL = "client_withdrew"
LIVING_SITUATION_ON_WITHDRAWAL = "本人の同意撤回により終了 (consent withdrawn)"
REFERRAL_ACTION_ON_WITHDRAWAL = ReferralAction.CANCEL


def status_of(consent: ConsentTerms, on: date) -> ConsentStatus:
    if consent.withdrawn_on is not None and consent.withdrawn_on <= on:
        return ConsentStatus.INACTIVE
    if consent.given_on > on:
        return ConsentStatus.DRAFT
    if consent.expires_on is not None and consent.expires_on < on:
        return ConsentStatus.INACTIVE
    return ConsentStatus.ACTIVE


def covers(consent: ConsentTerms, on: date, *, purpose: str, agency_id: uuid.UUID | None = None,
           agency_type: str | None = None, programme_code: str | None = None,
           data_categories: Collection[str] = ()) -> bool:
    """Active on *on*, for *purpose* and every data category, naming the recipient (the agency
    itself, its type, or the programme)."""
    if status_of(consent, on) != ConsentStatus.ACTIVE or purpose not in consent.purposes:
        return False
    if any(c not in consent.data_categories for c in data_categories):
        return False
    return (
        (agency_id is not None and agency_id in consent.agency_ids)
        or (agency_type is not None and agency_type in consent.agency_types)
        or (programme_code is not None and programme_code in consent.programme_codes)
    )


def episode_action_on_withdrawal(status: EpisodeStatus) -> EpisodeAction:
    """The client's wish is always honoured: an open episode no remaining consent covers ends, a
    proposed one by being cancelled, a running or paused one by being finished (client_withdrew).
    The caller applies the action through EPISODE_TRANSITIONS like any other."""
    return EpisodeAction.CANCEL if status == EpisodeStatus.PROPOSED else EpisodeAction.FINISH
