"""Programme contracts (受託) and past home-stabilisation clients (api.demo.newsletter.PAST_CLIENTS):
finished episodes between FY2007 and FY2009, so the cumulative figures the council reports are counted from records.
Their care team ended with their support, so no one sees them in a caseload today."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import CareTeamMember, Client, Programme, ProgrammeContract
from api.demo import newsletter as nl
from api.demo.load import DemoRefs
from api.demo.seed_cases import _seed_episode
from api.domain import codes
from api.domain.kana import kana_sort_key


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    programmes = refs.extra["programmes"]
    for c in nl.PROGRAMME_CONTRACTS:
        session.add(ProgrammeContract(programme_id=programmes[c.programme_code], agency_id=refs.agencies[c.agency_code],
                                      starts_on=c.starts_on, note_ja=c.note_ja))
    programme = (await session.scalars(select(Programme).where(Programme.code == "home_stabilisation"))).one()
    for p in nl.PAST_CLIENTS:
        e = p.enrolment
        assert e.ended_on is not None
        story = nl.Client(
            ref=p.ref, name_kanji=p.name_kanji, name_kana=p.name_kana, date_of_birth=p.date_of_birth, sex=p.sex,
            branch_code=p.branch_code, residence_type="apartment", receives_public_assistance=True,
            diagnoses=p.diagnoses, phone=None, years_inpatient=0, years_homeless=0, note_ja="", enrolments=(e,),
            care_team=(p.worker_username,))
        client = Client(
            id=uuid.uuid4(), name=p.name_kanji, kana=p.name_kana, kana_sort=kana_sort_key(p.name_kana),
            date_of_birth=p.date_of_birth, sex=p.sex, branch_code=p.branch_code, residence_type="apartment",
            residence_since=e.proposed_on, public_assistance=True, diagnoses=list(p.diagnoses),
            diagnosis_group=codes.diagnosis_group(p.diagnoses[0]), emergency_contacts=[],
            years_inpatient=Decimal(0), years_homeless=Decimal(0), created_by=refs.users[p.worker_username])
        session.add(client)
        await session.flush()
        refs.extra.setdefault("clients", {})[p.ref] = client.id
        session.add(CareTeamMember(client_id=client.id, user_id=refs.users[p.worker_username],
                                   team_role="mental_care_worker", from_date=e.proposed_on, to_date=e.ended_on))
        await _seed_episode(session, refs, client, story, 0, e, programme)
    await session.flush()
