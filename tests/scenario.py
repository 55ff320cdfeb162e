"""Records the matrix and other tests need in and out of each role's scope, created inside the
test's transaction. Areas add their records here as they land.

In scope: `client_in` (Karasuyama) has the world's caseworker, mental-care worker, public health
nurse and peer supporter on its care team, an active episode run by MOTA (the coordinator's
agency) with a consent, a goal and an activity. Out of scope: `client_out` (Setagaya) is only on
caseworker2's team, with an episode run by the ward.

Referrals: `referral_in` (requested, from the caseworker's division about `client_in`, addressed to
the hospital, the world's partner) and `referral_out` (from caseworker2's division about
`client_out`, addressed to the consultation office)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Activity, CareTeamMember, Client, Consent, Episode, Goal, Programme, Referral
from api.domain.fiscal import TOKYO, today_tokyo
from api.domain.kana import kana_sort_key
from tests.resource_records import DirectoryRecords, build_directory
from tests.world import World


@dataclass
class Scenario:
    programme: Programme
    ward_programme: Programme
    client_in: Client
    client_out: Client
    consent_in: Consent
    consent_out: Consent
    episode_in: Episode
    episode_out: Episode
    goal_in: Goal
    goal_out: Goal
    member_in: CareTeamMember
    member_out: CareTeamMember
    activity_in: Activity
    directory: DirectoryRecords
    referral_in: Referral
    referral_out: Referral


def make_client(branch: str, name: str, kana: str, born: date = date(1968, 5, 14)) -> Client:
    return Client(
        id=uuid.uuid4(),
        name=name,
        kana=kana,
        kana_sort=kana_sort_key(kana),
        date_of_birth=born,
        sex="female",
        branch_code=branch,
        residence_type="apartment",
        public_assistance=True,
        diagnoses=["F20"],
        diagnosis_group="schizophrenia",
        phone="03-0000-0000",
        emergency_contacts=[],
        notes="sensitive case note",
    )


async def build_scenario(db: AsyncSession, world: World) -> Scenario:
    today = today_tokyo()
    programme = Programme(
        code=f"p_{uuid.uuid4().hex[:8]}",
        name_ja="テスト事業",
        name_en="Test programme",
        operating_agency_ids=[world.agencies["mota"]],
        default_duration_months=12,
    )
    ward_programme = Programme(
        code=f"w_{uuid.uuid4().hex[:8]}",
        name_ja="区事業",
        name_en="Ward programme",
        operating_agency_ids=[world.agencies["setagaya_seikatsu"]],
        consent_required=False,
    )
    client_in = make_client("karasuyama", "山田 花子", "ヤマダ ハナコ")
    client_out = make_client("setagaya", "川村 一郎", "カワムラ イチロウ")
    db.add_all([programme, ward_programme, client_in, client_out])
    await db.flush()
    members = [
        CareTeamMember(
            client_id=client_in.id, user_id=world.users[name], team_role=role, from_date=today - timedelta(days=30)
        )
        for name, role in (
            ("caseworker", "caseworker"),
            ("mental_care_worker", "mental_care_worker"),
            ("public_health_nurse", "public_health_nurse"),
            ("peer_supporter", "peer_supporter"),
        )
    ]
    member_out = CareTeamMember(
        client_id=client_out.id,
        user_id=world.users["caseworker2"],
        team_role="caseworker",
        from_date=today - timedelta(days=30),
    )
    consents = [
        Consent(
            client_id=c.id,
            sequence=1,
            agency_ids=[world.agencies["mota"]],
            programme_codes=[programme.code],
            agency_types=["consultation_office", "group_home", "psychiatric_hospital"],
            purposes=["programme_enrolment", "referral", "housing_search", "care_coordination"],
            data_categories=["identity", "contact", "needs_summary", "diagnosis"],
            given_on=today - timedelta(days=20),
            recorded_how="signed_form",
        )
        for c in (client_in, client_out)
    ]
    db.add_all([*members, member_out, *consents])
    await db.flush()
    start = today - timedelta(days=10)
    episode_in = Episode(
        client_id=client_in.id,
        programme_id=programme.id,
        branch_code="karasuyama",
        operating_agency_id=world.agencies["mota"],
        lead_worker_id=world.users["caseworker"],
        status="active",
        proposed_on=start,
        started_on=start,
        planned_end=start + timedelta(days=364),
        consent_id=consents[0].id,
    )
    episode_out = Episode(
        client_id=client_out.id,
        programme_id=ward_programme.id,
        branch_code="setagaya",
        operating_agency_id=world.agencies["setagaya_seikatsu"],
        lead_worker_id=world.users["caseworker2"],
        status="active",
        proposed_on=start,
        started_on=start,
        planned_end=start + timedelta(days=364),
    )
    db.add_all([episode_in, episode_out])
    await db.flush()
    goal_in = Goal(episode_id=episode_in.id, text="週1回の外出", status="active")
    goal_out = Goal(episode_id=episode_out.id, text="通院の継続", status="active")
    activity_in = Activity(
        client_id=client_in.id,
        episode_id=episode_in.id,
        kind="home_visit",
        occurred_at=datetime.combine(today, datetime.min.time(), TOKYO) + timedelta(hours=10),
        duration_minutes=60,
        travel_minutes=20,
        performer_id=world.users["mental_care_worker"],
        note="visit note",
    )
    db.add_all([goal_in, goal_out, activity_in])
    await db.flush()
    referral_in, referral_out = (
        Referral(
            from_agency_id=world.agencies[agency], requester_id=world.users[sender], requester_kind="user",
            to_agency_id=world.agencies[to], client_id=client.id, purpose="group_home",
            reason="グループホームを探したい",
            due_on=today + timedelta(days=14), status="requested", consent_id=consent.id, shared_fields=["name"],
            shared_snapshot={"name": client.name}, sent_at=datetime.now(TOKYO),
        )
        for agency, sender, to, client, consent in (
            ("karasuyama_seikatsu", "caseworker", "hospital", client_in, consents[0]),
            ("setagaya_seikatsu", "caseworker2", "consult", client_out, consents[1]),
        )
    )
    db.add_all([referral_in, referral_out])
    await db.flush()
    return Scenario(
        programme=programme,
        ward_programme=ward_programme,
        client_in=client_in,
        client_out=client_out,
        consent_in=consents[0],
        consent_out=consents[1],
        episode_in=episode_in,
        episode_out=episode_out,
        goal_in=goal_in,
        goal_out=goal_out,
        member_in=members[0],
        member_out=member_out,
        activity_in=activity_in,
        directory=await build_directory(db, world.agencies),
        referral_in=referral_in,
        referral_out=referral_out,
    )
