"""Demo enquiries (相談受付; issue 18, item 3), from api/demo/newsletter.py: one registered as a
client (渡辺 直樹, c06, whose birth date was not known at first), one waiting on outreach (a family's
call about a son who has withdrawn at home), one passed on elsewhere."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Intake
from api.demo import newsletter as nl
from api.demo.load import DemoRefs


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    users, clients = refs.users, refs.extra["clients"]
    refs.extra["intakes"] = {}
    for i in nl.INTAKES:
        intake = Intake(
            agency_id=refs.agencies[i.agency_code], branch_code=i.branch_code, received_at=i.received_at,
            received_by=users[i.received_by], name=i.name, kana=i.kana, description=i.description,
            birth_date=i.birth_date, birth_date_approximate=i.birth_date_approximate, age_estimate=i.age_estimate,
            sex=i.sex, referrer_type=i.referrer_type, referrer_name=i.referrer_name, urgency=i.urgency,
            consent_state=i.consent_state, triage_outcome=i.triage_outcome, triage_note=i.triage_note,
            triaged_at=i.received_at if i.triage_outcome != "pending" else None,
            triaged_by=users[i.received_by] if i.triage_outcome != "pending" else None, status=i.status,
            client_id=clients[i.client_ref] if i.client_ref else None, converted_at=i.converted_at,
            converted_by=users[i.received_by] if i.client_ref else None)
        session.add(intake)
        await session.flush()
        refs.extra["intakes"][i.key] = intake.id
