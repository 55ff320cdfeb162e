"""Demo records of issue 18 items 4-6, from the newsletter: the teenager's household (a mother with
her own client record, a younger brother), the child-and-family support worker on the care team,
the refusal of the public health nurse, the group home and the workshop the teenager started at,
and the long-homeless client flagged for a possible sudden departure."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    CareTeamMember,
    Client,
    ClientRefusal,
    RelatedPerson,
    RelatedPersonLink,
    RiskFlag,
    Service,
    ServiceUse,
)
from api.demo import newsletter as nl
from api.demo.load import DemoRefs
from api.demo.seed_resources import service_id
from api.domain import codes
from api.domain.kana import kana_sort_key


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    clients = refs.extra.setdefault("clients", {})
    for c in nl.HOUSEHOLD_CLIENTS:
        client = Client(
            id=uuid.uuid4(), name=c.name_kanji, kana=c.name_kana, kana_sort=kana_sort_key(c.name_kana),
            date_of_birth=c.date_of_birth, sex=c.sex, branch_code=c.branch_code, residence_type=c.residence_type,
            residence_since=nl.DEMO_AS_OF, public_assistance=c.receives_public_assistance,
            diagnoses=list(c.diagnoses), diagnosis_group=codes.diagnosis_group(c.diagnoses[0]),
            phone=c.phone, emergency_contacts=[], years_inpatient=Decimal(c.years_inpatient),
            years_homeless=Decimal(c.years_homeless), notes=c.note_ja, created_by=refs.users[c.care_team[0]],
        )
        session.add(client)
        await session.flush()
        clients[c.ref] = client.id
        for username in c.care_team:
            session.add(CareTeamMember(client_id=client.id, user_id=refs.users[username],
                                       team_role=_team_role(username), from_date=nl.DEMO_AS_OF))
    for ref, username, role in nl.HOUSEHOLD_CARE_TEAM:
        session.add(CareTeamMember(client_id=clients[ref], user_id=refs.users[username], team_role=role,
                                   from_date=nl.DEMO_AS_OF))
    for m in nl.HOUSEHOLD_MEMBERS:
        person = RelatedPerson(id=uuid.uuid4(), client_id=clients[m.client_ref], name=m.name,
                               relationship=m.relationship, lives_in_household=m.lives_in_household, note=m.note_ja)
        session.add(person)
        await session.flush()
        if m.own_record is not None:
            session.add(RelatedPersonLink(related_person_id=person.id, linked_client_id=clients[m.own_record]))
    for r in nl.REFUSALS:
        session.add(ClientRefusal(client_id=clients[r.client_ref], team_role=r.team_role, refused_on=r.refused_on,
                                  source=r.source, note=r.note_ja, recorded_by=refs.users[r.recorded_by]))
    for u in nl.SERVICE_USES:
        service = await session.get(Service, service_id(u.resource_code))
        assert service is not None, u.resource_code
        session.add(ServiceUse(client_id=clients[u.client_ref], kind=u.kind, service_id=service.id,
                               provider_agency_id=service.agency_id, started_on=u.started_on,
                               days_per_week=u.days_per_week, note=u.note_ja, recorded_by=refs.users[u.recorded_by]))
    for f in nl.RISK_FLAGS:
        session.add(RiskFlag(client_id=clients[f.client_ref], code=f.code, note=f.note_ja, raised_on=f.raised_on,
                             review_on=f.review_on, raised_by=refs.users[f.raised_by]))
    await session.flush()


def _team_role(username: str) -> str:
    return {"phn": "public_health_nurse", "mcw": "mental_care_worker", "cw": "caseworker",
            "coord": "coordinator"}.get(username.split(".", 1)[0], "other")
