"""Withdrawing a consent (同意撤回), the one use case that spans consents, episodes and referrals.

In one transaction: the consent is marked withdrawn, every open episode that needed it and that no
remaining consent covers ends (through the episode transitions), and every open referral sent on it
is cancelled (through the referral transitions). The services it calls do not know of each other or
of this module, so none of them imports another in a circle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from api.db.models import Consent
from api.db.unit import RequestUnit
from api.domain.consent_rules import ConsentStatus, status_of
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.services import consents as consent_service
from api.services import episodes as episode_service
from api.services import referrals as referral_service


@dataclass(frozen=True, slots=True)
class Withdrawal:
    consent: Consent
    closed_episode_ids: list[uuid.UUID]
    cancelled_referral_ids: list[uuid.UUID]


async def withdraw(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, consent_id: uuid.UUID,
                   withdrawn_on: date | None, reason: str, expected_version: int) -> Withdrawal:
    today = today_tokyo()
    consent = await consent_service.mark_withdrawn(unit, principal, client_id, consent_id, withdrawn_on or today,
                                                   reason, expected_version)
    remaining = [c for c in await consent_service.active_consents(unit.session, client_id)
                 if status_of(c, today) == ConsentStatus.ACTIVE]
    closed = await episode_service.end_uncovered(unit, principal, client_id, remaining, today)
    cancelled = await referral_service.cancel_relying_on(unit, principal, consent)
    return Withdrawal(consent, closed, cancelled)
