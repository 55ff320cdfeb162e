"""Demo case records from the newsletter: programmes, clients with care teams and consents,
episodes in every status with their decisions and history, goals and activities."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Activity,
    CareTeamMember,
    Client,
    Consent,
    Decision,
    Episode,
    EpisodeStatusChange,
    Goal,
    Programme,
)
from api.demo import newsletter as nl
from api.demo.load import DemoRefs
from api.domain import codes
from api.domain.fiscal import TOKYO
from api.domain.kana import kana_sort_key

_TEAM_ROLE = {"cw": "caseworker", "sv": "supervisor", "mcw": "mental_care_worker", "phn": "public_health_nurse",
              "coord": "coordinator", "peer": "peer_supporter"}
_ACTIVITY_PLAN = (("home_visit", None, 60, 30), ("accompaniment", "outpatient", 120, 40),
                  ("phone_call", None, 15, 0), ("accompaniment", "outing", 150, 30))


def _team_role(username: str) -> str:
    return _TEAM_ROLE.get(username.split(".", 1)[0], "other")


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TOKYO)


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    programmes: dict[str, Programme] = {}
    for p in nl.PROGRAMMES:
        programme = Programme(code=p.code, name_ja=p.name_ja, name_en=p.name_en,
                              operating_agency_ids=[refs.agencies[a] for a in p.operating_agency_codes],
                              default_duration_months=p.default_duration_months, consent_required=p.consent_required)
        session.add(programme)
        programmes[p.code] = programme
    await session.flush()
    refs.extra["programmes"] = {code: p.id for code, p in programmes.items()}
    refs.extra["clients"] = {}
    refs.extra["episodes"] = {}
    hospital = refs.agencies["hanamizuki_hospital"]
    for c in nl.CLIENTS:
        first_day = min(e.proposed_on for e in c.enrolments) if c.enrolments else nl.DEMO_AS_OF
        contacts = []
        if c.emergency_contact_username:
            contacts.append({"kind": "staff", "name": c.emergency_contact_username,
                             "user_id": str(refs.users[c.emergency_contact_username])})
        client = Client(
            id=uuid.uuid4(), name=c.name_kanji, kana=c.name_kana, kana_sort=kana_sort_key(c.name_kana),
            date_of_birth=c.date_of_birth, sex=c.sex, branch_code=c.branch_code, residence_type=c.residence_type,
            residence_since=first_day, hospital_agency_id=hospital if c.residence_type == "psychiatric_ward" else None,
            public_assistance=c.receives_public_assistance,
            caseworker_id=next((refs.users[u] for u in c.care_team if u.startswith(("cw.", "sv."))), None),
            diagnoses=list(c.diagnoses), diagnosis_group=codes.diagnosis_group(c.diagnoses[0]) if c.diagnoses else None,
            phone=c.phone, emergency_contacts=contacts, years_inpatient=Decimal(c.years_inpatient),
            years_homeless=Decimal(c.years_homeless), notes=c.note_ja,
            created_by=refs.users[c.care_team[0]] if c.care_team else None,
        )
        session.add(client)
        await session.flush()
        refs.extra["clients"][c.ref] = client.id
        for username in c.care_team:
            session.add(CareTeamMember(client_id=client.id, user_id=refs.users[username],
                                       team_role=_team_role(username), from_date=first_day))
        for n, e in enumerate(c.enrolments):
            await _seed_episode(session, refs, client, c, n, e, programmes[e.programme_code])
    await session.flush()


async def _seed_episode(session: AsyncSession, refs: DemoRefs, client: Client, c: nl.Client, n: int,
                        e: nl.Enrolment, programme: Programme) -> None:
    lead = refs.users[c.care_team[0]] if c.care_team else None
    consent = None
    if e.consent_on is not None:
        consent = Consent(client_id=client.id, sequence=n + 1, agency_ids=[refs.agencies[e.agency_code]],
                          programme_codes=[programme.code], purposes=["programme_enrolment", "care_coordination",
                                                                      "referral", "housing_search"],
                          data_categories=["identity", "contact", "needs_summary", "diagnosis"],
                          given_on=e.consent_on, recorded_how="signed_form", recorded_by=lead)
        session.add(consent)
        await session.flush()
    episode = Episode(
        client_id=client.id, programme_id=programme.id, branch_code=client.branch_code,
        operating_agency_id=refs.agencies[e.agency_code], lead_worker_id=lead, status=e.status,
        proposed_on=e.proposed_on, started_on=e.started_on, planned_end=e.planned_end_on, ended_on=e.ended_on,
        closure_reason=e.closure_reason, living_situation_at_closure=e.living_situation_ja,
        consent_id=consent.id if consent else None, created_by=lead,
    )
    session.add(episode)
    await session.flush()
    refs.extra["episodes"][f"{c.ref}:{e.programme_code}"] = episode.id
    history: list[tuple[str, str | None, str, uuid.UUID | None]] = [("propose", None, "proposed", None)]
    if e.started_on is not None and e.decided_on is not None:
        decision = Decision(episode_id=episode.id, action="start", decided_on=e.decided_on, body="支援会議",
                            attendees=[{"name": u, "role": _team_role(u)} for u in c.care_team],
                            decision="本人の同意を得て支援開始を決定", recorded_by=lead)
        session.add(decision)
        await session.flush()
        history.append(("start", "proposed", "active", decision.id))
        history.extend([("extend", "active", "active", None)] * e.extensions)
        if e.status == "on_hold":
            history.append(("hold", "active", "on_hold", None))
        if e.status == "finished":
            history.append(("finish", "active", "finished", None))
        await _seed_work(session, refs, client, c, episode, e)
    elif e.status == "cancelled":
        history.append(("cancel", "proposed", "cancelled", None))
    for action, before, after, decision_id in history:
        session.add(EpisodeStatusChange(
            episode_id=episode.id, action=action, from_status=before, to_status=after, decision_id=decision_id,
            reason=e.status_reason_ja if action in ("hold", "cancel") else None, planned_end=e.planned_end_on,
            readmission=e.readmitted and action == "hold", by_principal=lead,
            # issue 18: a readmission is counted in the fiscal year it happened (the newsletter's June).
            **({"at": datetime(2010, 6, 1, 10, tzinfo=nl.JST)} if e.readmitted and action == "hold" else {})))


async def _seed_work(session: AsyncSession, refs: DemoRefs, client: Client, c: nl.Client, episode: Episode,
                     e: nl.Enrolment) -> None:
    assert e.started_on is not None
    session.add(Goal(episode_id=episode.id, text="本人の希望に沿った地域での生活を安定させる", status="active",
                     review_on=e.started_on + timedelta(days=180), created_by=episode.lead_worker_id))
    performer = next((u for u in c.care_team if u.startswith(("mcw.", "coord.", "cw."))), c.care_team[0])
    last = e.ended_on or nl.DEMO_AS_OF
    for i, (kind, purpose, minutes, travel) in enumerate(_ACTIVITY_PLAN):
        day = e.started_on + timedelta(days=14 * (i + 1))
        if day > last:
            break
        session.add(Activity(
            client_id=client.id, episode_id=episode.id, kind=kind, purpose=purpose, occurred_at=_at(day, 10 + i),
            duration_minutes=minutes, travel_minutes=travel, performer_id=refs.users[performer],
            note="訪問し近況を確認した。" if kind == "home_visit" else None,
            next_step="次回も同行予定" if kind == "accompaniment" else None,
        ))
