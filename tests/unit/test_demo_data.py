"""Consistency of the demo data taken from the newsletter (api/demo/newsletter.py).

Pure data checks: no database, no app import beyond the module itself.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from api.demo import newsletter as nl
from api.domain.codes import OneOf


def get_args(alias: Any) -> tuple[str, ...]:
    """The codes of a demo field type (the domain's list it is annotated with)."""
    return next(m for m in alias.__metadata__ if isinstance(m, OneOf)).values

KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb]+( [\u30a1-\u30fa\u30fc\u30fb]+)*")
FY2007_START = date(2007, 4, 1)
FY2010_END = date(2011, 3, 31)
# Surnames of the real people quoted in the newsletter: the demo people must not reuse them.
REAL_SURNAMES = ("金川", "宮本", "進藤", "中野", "白木", "為我井")

AGENCY_CODES = {a.code for a in nl.AGENCIES}
BRANCH_CODES = {b.code for b in nl.BRANCHES}
PROGRAMMES = {p.code: p for p in nl.PROGRAMMES}
USERNAMES = {u.username for u in nl.USERS}


def _unique(codes: list[str]) -> bool:
    return len(codes) == len(set(codes))


def test_codes_are_unique() -> None:
    assert _unique([b.code for b in nl.BRANCHES])
    assert _unique([a.code for a in nl.AGENCIES])
    assert _unique([p.code for p in nl.PROGRAMMES])
    assert _unique([u.username for u in nl.USERS])
    assert _unique([m.client_id for m in nl.MACHINE_CLIENTS])
    assert _unique([c.ref for c in nl.CLIENTS])
    assert _unique([m.code for m in nl.MEETINGS])
    assert _unique([r.code for r in nl.SOCIAL_RESOURCES])
    assert all(len(a.code) <= 64 for a in nl.AGENCIES)
    assert all(len(m.client_id) <= 64 for m in nl.MACHINE_CLIENTS)


def test_branches_and_divisions() -> None:
    assert [b.code for b in nl.BRANCHES] == ["setagaya", "kitazawa", "tamagawa", "kinuta", "karasuyama"]
    for branch in nl.BRANCHES:
        assert branch.name_ja.endswith("総合支所")
        assert {d.code for d in branch.divisions} == {"seikatsu_shien", "hoken_fukushi", "kenko_zukuri"}
        assert f"{branch.code}_branch" in AGENCY_CODES
        for division in branch.divisions:
            assert f"{branch.code}_{division.code}" in AGENCY_CODES


def test_agency_references_exist() -> None:
    types = set(get_args(nl.AgencyType))
    for agency in nl.AGENCIES:
        assert agency.type in types
        assert agency.branch_code is None or agency.branch_code in BRANCH_CODES
        assert agency.parent_code is None or agency.parent_code in AGENCY_CODES
        if agency.type in ("ward_branch",):
            assert agency.branch_code is not None
    assert {a.type for a in nl.AGENCIES} == types, "every agency type has an example"


def test_programmes() -> None:
    assert set(PROGRAMMES) == {
        "tokyo_discharge",
        "setagaya_safety_net",
        "employment",
        "self_reliance",
        "discharge_support",
        "home_stabilisation",
    }
    for programme in nl.PROGRAMMES:
        assert programme.operating_agency_codes
        assert set(programme.operating_agency_codes) <= AGENCY_CODES
        assert programme.default_duration_months == 12
        assert programme.consent_required
    assert set(PROGRAMMES["tokyo_discharge"].operating_agency_codes) == {"kinuta_centre", "mota"}
    assert PROGRAMMES["setagaya_safety_net"].operating_agency_codes == ("hasic",)


def test_users() -> None:
    roles = set(get_args(nl.Role))
    assert {u.role for u in nl.USERS} == roles, "every role has a demo user"
    for user in nl.USERS:
        assert user.agency_code in AGENCY_CODES
        assert set(user.branch_codes) <= BRANCH_CODES
        assert {w.branch_code for w in user.work_pattern} <= set(user.branch_codes)
        assert user.username.isascii()
        assert KATAKANA.fullmatch(user.display_name_kana), user.display_name_kana
        assert not any(s in user.display_name_ja for s in REAL_SURNAMES)
    by_name = {u.username: u for u in nl.USERS}
    assert by_name["mcw.setagaya"].branch_codes == ("setagaya", "kitazawa")
    assert by_name["sv.karasuyama"].branch_codes == ("karasuyama",)
    assert nl.DEMO_PASSWORD == "demo-password-2010"


def test_machine_clients() -> None:
    partner_agencies = {"hanamizuki_hospital", "soyokaze_consult", "tsubame_gh"}
    for client in nl.MACHINE_CLIENTS:
        assert client.agency_code in AGENCY_CODES
        assert client.secret == f"demo-secret-{client.client_id}"
    assert {c.agency_code for c in nl.MACHINE_CLIENTS if c.role == "partner"} == partner_agencies
    assert any(c.role == "analyst" for c in nl.MACHINE_CLIENTS)


def test_diagnosis_groups() -> None:
    assert set(nl.DIAGNOSIS_GROUPS) == {
        "F10", "F20", "F25", "F31", "F32", "F33", "F41", "F43", "F60", "F70", "F84",
    }  # fmt: skip
    for code, diagnosis in nl.DIAGNOSIS_GROUPS.items():
        assert diagnosis.code == code
        assert diagnosis.group_code in nl.DIAGNOSIS_GROUP_LABELS
    assert {d.group_code for d in nl.DIAGNOSIS_GROUPS.values()} == set(nl.DIAGNOSIS_GROUP_LABELS)


def test_clients_reference_existing_codes() -> None:
    for client in nl.CLIENTS:
        assert client.branch_code in BRANCH_CODES
        assert client.residence_type in get_args(nl.ResidenceType)
        assert client.diagnoses
        assert set(client.diagnoses) <= set(nl.DIAGNOSIS_GROUPS)
        assert set(client.care_team) <= USERNAMES
        assert client.emergency_contact_username is None or client.emergency_contact_username in USERNAMES
        assert KATAKANA.fullmatch(client.name_kana), client.name_kana
        assert not any(client.name_kanji.startswith(s) for s in REAL_SURNAMES)
        for episode in client.enrolments:
            assert episode.programme_code in PROGRAMMES
            assert episode.agency_code in PROGRAMMES[episode.programme_code].operating_agency_codes


def test_clients_cover_the_newsletter() -> None:
    per_branch = Counter(c.branch_code for c in nl.CLIENTS)
    assert set(per_branch) == BRANCH_CODES
    assert per_branch.most_common(1)[0][0] == "karasuyama"
    assert any(c.phone is None for c in nl.CLIENTS)
    assert any(c.years_homeless >= 10 for c in nl.CLIENTS)
    assert any(c.years_inpatient >= 10 for c in nl.CLIENTS)
    assert any(c.date_of_birth.year >= 1991 and "F32" in c.diagnoses for c in nl.CLIENTS), "the teenager"
    assert {c.residence_type for c in nl.CLIENTS} == set(get_args(nl.ResidenceType))


def test_every_status_and_programme_appears() -> None:
    episodes = [e for c in nl.CLIENTS for e in c.enrolments]
    assert {e.status for e in episodes} == set(get_args(nl.EpisodeStatus))
    assert {e.programme_code for e in episodes} == set(PROGRAMMES)


def test_episode_dates_follow_the_status() -> None:
    for client in nl.CLIENTS:
        for e in client.enrolments:
            label = f"{client.ref}/{e.programme_code}"
            assert FY2007_START <= e.proposed_on <= nl.DEMO_AS_OF, label
            started_fy = PROGRAMMES[e.programme_code].started_fiscal_year
            assert e.proposed_on >= date(started_fy, 4, 1) - timedelta(days=31), label
            if e.status == "proposed":
                assert e.started_on is None, label
                assert e.ended_on is None, label
                assert e.decided_on is None, label
            if e.status == "cancelled":
                assert e.started_on is None, label
                assert e.ended_on is not None, label
                assert e.status_reason_ja, label
            if e.status in ("active", "on_hold", "finished"):
                assert e.consent_on is not None, label
                assert e.decided_on is not None, label
                assert e.started_on is not None, label
                assert e.planned_end_on is not None, label
                assert e.consent_on <= e.decided_on <= e.started_on <= nl.DEMO_AS_OF, label
                assert e.proposed_on <= e.started_on <= FY2010_END, label
            if e.status in ("active", "on_hold"):
                assert e.ended_on is None, label
                assert e.closure_reason is None, label
                assert e.planned_end_on is not None, label
                assert e.planned_end_on >= nl.DEMO_AS_OF, label
            if e.status == "on_hold":
                assert e.status_reason_ja, label
            if e.status == "finished":
                assert e.closure_reason in get_args(nl.ClosureReason), label
                assert e.living_situation_ja, label
                assert e.started_on is not None
                assert e.ended_on is not None
                assert e.started_on < e.ended_on <= nl.DEMO_AS_OF, label
            else:
                assert e.closure_reason is None, label
            if e.status in ("active", "on_hold") and PROGRAMMES[e.programme_code].requires_public_assistance:
                assert client.receives_public_assistance, label


def test_meetings() -> None:
    assert [m.starts_at.date().isoformat() for m in nl.MEETINGS] == [
        "2010-07-21",
        "2010-11-17",
        "2011-01-26",
        "2011-03-16",
    ]
    july = nl.MEETINGS[0]
    assert july.attendee_count == 48
    assert july.status == "minutes_published"
    assert july.starts_at.utcoffset() == timedelta(hours=9)
    assert [i.position for i in july.agenda] == list(range(1, len(july.agenda) + 1))
    assert sum(i.planned_minutes for i in july.agenda) <= (july.ends_at - july.starts_at).seconds // 60
    assert any(not i.public for i in july.agenda), "a closed item proves publishing leaves it out"
    assert all(i.summary_ja for i in july.agenda if i.public)
    for meeting in nl.MEETINGS:
        assert meeting.council_code == nl.COUNCIL.code
        assert meeting.starts_at.weekday() == 2
        assert meeting.starts_at.hour == 14
        for item in meeting.agenda:
            assert item.kind in get_args(nl.AgendaItemKind)
            assert item.programme_code is None or item.programme_code in PROGRAMMES
            for presenter in item.presenters:
                assert presenter.agency_code in AGENCY_CODES
                assert presenter.username is None or presenter.username in USERNAMES
            for figure in item.figures:
                assert figure.branch_code is None or figure.branch_code in BRANCH_CODES
    for meeting in nl.MEETINGS[1:]:
        assert meeting.status == "scheduled"
        assert meeting.room_ja
    text = "".join(i.summary_ja or "" for m in nl.MEETINGS for i in m.agenda if i.public)
    assert not any(s in text for s in REAL_SURNAMES)


def test_social_resources() -> None:
    categories = set(get_args(nl.ResourceCategory))
    for resource in nl.SOCIAL_RESOURCES:
        assert resource.agency_code in AGENCY_CODES
        assert resource.branch_code in BRANCH_CODES
        assert resource.category in categories
        assert KATAKANA.fullmatch(resource.name_kana), resource.name_kana
        assert resource.address_ja.startswith("東京都世田谷区")
        assert resource.capacity_available >= 0
        assert resource.waitlist >= 0
        if resource.capacity_maximum is not None:
            assert resource.capacity_available <= resource.capacity_maximum
    assert any(r.category == "group_home" and r.capacity_available > 0 for r in nl.SOCIAL_RESOURCES)
    hostel = next(r for r in nl.SOCIAL_RESOURCES if r.agency_code == "tokyo_mhwc")
    assert hostel.status in ("temporarily_closed", "closing")
    for category in ("group_home", "employment_support", "trial_stay", "day_activity", "residential"):
        assert any(r.category == category for r in nl.SOCIAL_RESOURCES), category


@pytest.mark.parametrize(
    "value",
    [nl.BRANCHES[0], nl.AGENCIES[0], nl.PROGRAMMES[0], nl.USERS[0], nl.CLIENTS[0], nl.MEETINGS[0]],
)
def test_records_are_frozen(value: object) -> None:
    assert dataclasses.is_dataclass(value)
    field = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, "changed")
