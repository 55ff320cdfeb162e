"""A referral as a FHIR Bundle: loads what the receiving agency may see and hands it to the pure
mapping in api.domain.fhir_referral. Visibility and auditing are those of the JSON detail."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from api.db.models import Agency, Consent
from api.db.unit import RequestUnit
from api.domain.fhir_referral import AgencyFacts, ConsentFacts, ReferralFacts, referral_bundle
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.services import referrals as referral_service


def _agency(agency: Agency) -> AgencyFacts:
    return AgencyFacts(id=agency.id, code=agency.code, name_ja=agency.name_ja, name_en=agency.name_en,
                       type=agency.type)


async def bundle(unit: RequestUnit, principal: Principal, referral_id: uuid.UUID) -> tuple[dict[str, Any], int]:
    """The bundle and the referral's version (for its ETag)."""
    seen = await referral_service.get_visible(unit, principal, referral_id)
    r = seen.referral
    agencies = {a.id: a for a in await unit.session.scalars(
        select(Agency).where(Agency.id.in_({r.from_agency_id, r.to_agency_id})))}
    consent = await unit.session.get(Consent, r.consent_id) if r.consent_id is not None else None
    facts = ReferralFacts(
        id=r.id, part_of=r.part_of_id, purpose=r.purpose, priority=r.priority, reason=r.reason, status=r.status,
        status_reason=r.status_reason, business_status=r.business_status, due_on=r.due_on, sent_at=r.sent_at,
        created_at=r.created_at, updated_at=r.updated_at, shared_fields=list(r.shared_fields),
        shared_snapshot=dict(r.shared_snapshot or {}),
        sender=_agency(agencies[r.from_agency_id]), receiver=_agency(agencies[r.to_agency_id]),
        consent=None if consent is None else ConsentFacts(
            given_on=consent.given_on, expires_on=consent.expires_on, withdrawn_on=consent.withdrawn_on,
            recorded_how=consent.recorded_how),
    )
    unit.audit("read", "referral", resource_id=r.id, client_id=r.client_id, subject="fhir")
    return referral_bundle(facts, on=today_tokyo()), r.version
