from datetime import date

import pytest

from api.domain.episode_transitions import (
    EPISODE_TRANSITIONS,
    REQUIREMENTS,
    TERMINAL_STATUSES,
    ActionFacts,
    ActionRequirements,
    ClosureReason,
    EpisodeAction,
    EpisodeStatus,
    add_months,
    missing_requirements,
    planned_end_for,
)
from api.domain.transitions import IllegalTransition

LEGAL = {
    ("proposed", "start"): "active",
    ("proposed", "cancel"): "cancelled",
    ("active", "hold"): "on_hold",
    ("active", "extend"): "active",
    ("active", "finish"): "finished",
    ("on_hold", "resume"): "active",
    ("on_hold", "extend"): "on_hold",
    ("on_hold", "finish"): "finished",
}


def test_vocabularies() -> None:
    assert [s.value for s in EpisodeStatus] == ["proposed", "active", "on_hold", "finished", "cancelled"]
    assert [a.value for a in EpisodeAction] == ["start", "hold", "resume", "extend", "finish", "cancel"]
    assert [r.value for r in ClosureReason] == [
        "goal_achieved",
        "moved_away",
        "assistance_ended",
        "client_withdrew",
        "hospitalised",
        "transferred",
        "died",
        "other",
    ]


@pytest.mark.parametrize(("move", "to"), LEGAL.items())
def test_legal_transitions(move: tuple[str, str], to: str) -> None:
    status, action = move
    assert EPISODE_TRANSITIONS.target(EpisodeStatus(status), action) == to


def test_every_other_pair_is_illegal_and_names_the_allowed_actions() -> None:
    for status in EpisodeStatus:
        allowed = sorted(a for (s, a) in LEGAL if s == status)
        assert EPISODE_TRANSITIONS.allowed_actions(status) == allowed
        for action in EpisodeAction:
            if (status, action) in LEGAL:
                continue
            with pytest.raises(IllegalTransition) as caught:
                EPISODE_TRANSITIONS.target(status, action)
            assert caught.value.allowed_actions == allowed


@pytest.mark.parametrize(
    ("status", "action", "allowed"),
    [
        ("proposed", "finish", ["cancel", "start"]),
        ("active", "start", ["extend", "finish", "hold"]),
        ("active", "cancel", ["extend", "finish", "hold"]),
        ("on_hold", "hold", ["extend", "finish", "resume"]),
        ("finished", "resume", []),
        ("cancelled", "start", []),
    ],
)
def test_sample_illegal(status: str, action: str, allowed: list[str]) -> None:
    with pytest.raises(IllegalTransition) as caught:
        EPISODE_TRANSITIONS.target(EpisodeStatus(status), action)
    assert caught.value.allowed_actions == allowed
    assert caught.value.current == status


def test_terminal_statuses_allow_nothing() -> None:
    assert {s for s in EpisodeStatus if not EPISODE_TRANSITIONS.allowed_actions(s)} == TERMINAL_STATUSES


def test_requirements_table() -> None:
    assert dict(REQUIREMENTS) == {
        "start": ActionRequirements(decision=True, consent_covering_programme=True),
        "hold": ActionRequirements(reason=True, records_readmission=True),
        "resume": ActionRequirements(),
        "extend": ActionRequirements(decision=True, later_planned_end=True),
        "finish": ActionRequirements(decision=True, closure_reason=True, living_situation=True),
        "cancel": ActionRequirements(),
    }


def test_start_needs_decision_and_consent() -> None:
    assert missing_requirements(EpisodeAction.START, ActionFacts()) == ["has_decision", "consent_covers_programme"]
    assert missing_requirements(EpisodeAction.START, ActionFacts(has_decision=True)) == ["consent_covers_programme"]
    ok = ActionFacts(has_decision=True, consent_covers_programme=True)
    assert missing_requirements(EpisodeAction.START, ok) == []


def test_extend_needs_a_later_planned_end() -> None:
    current = date(2011, 7, 20)
    base = ActionFacts(has_decision=True, current_planned_end=current)
    assert missing_requirements(EpisodeAction.EXTEND, base) == ["new_planned_end"]
    same = ActionFacts(has_decision=True, current_planned_end=current, new_planned_end=current)
    assert missing_requirements(EpisodeAction.EXTEND, same) == ["new_planned_end"]
    earlier = ActionFacts(has_decision=True, current_planned_end=current, new_planned_end=date(2011, 6, 30))
    assert missing_requirements(EpisodeAction.EXTEND, earlier) == ["new_planned_end"]
    later = ActionFacts(has_decision=True, current_planned_end=current, new_planned_end=date(2012, 1, 20))
    assert missing_requirements(EpisodeAction.EXTEND, later) == []
    no_decision = ActionFacts(current_planned_end=current, new_planned_end=date(2012, 1, 20))
    assert missing_requirements(EpisodeAction.EXTEND, no_decision) == ["has_decision"]


def test_finish_needs_decision_reason_and_living_situation() -> None:
    assert missing_requirements(EpisodeAction.FINISH, ActionFacts(living_situation="  ")) == [
        "has_decision",
        "closure_reason",
        "living_situation",
    ]
    ok = ActionFacts(
        has_decision=True, closure_reason=ClosureReason.GOAL_ACHIEVED, living_situation="group_home"
    )
    assert missing_requirements(EpisodeAction.FINISH, ok) == []


def test_hold_needs_a_reason_and_others_need_nothing() -> None:
    assert missing_requirements(EpisodeAction.HOLD, ActionFacts()) == ["reason"]
    assert missing_requirements(EpisodeAction.HOLD, ActionFacts(reason=" ")) == ["reason"]
    assert missing_requirements(EpisodeAction.HOLD, ActionFacts(reason="readmitted to hospital")) == []
    assert missing_requirements(EpisodeAction.RESUME, ActionFacts()) == []
    assert missing_requirements(EpisodeAction.CANCEL, ActionFacts()) == []


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (date(2010, 8, 31), 6, date(2011, 2, 28)),
        (date(2010, 1, 31), 1, date(2010, 2, 28)),
        (date(2011, 12, 31), 2, date(2012, 2, 29)),
        (date(2010, 7, 21), 12, date(2011, 7, 21)),
        (date(2010, 11, 15), 3, date(2011, 2, 15)),
        (date(2011, 3, 31), -1, date(2011, 2, 28)),
    ],
)
def test_add_months(d: date, months: int, expected: date) -> None:
    assert add_months(d, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2010, 7, 21), 12, date(2011, 7, 20)),
        (date(2010, 8, 31), 6, date(2011, 2, 28)),
        (date(2010, 8, 30), 6, date(2011, 2, 28)),
        (date(2010, 8, 28), 6, date(2011, 2, 27)),
        (date(2011, 3, 1), 1, date(2011, 3, 31)),
        (date(2010, 4, 1), 12, date(2011, 3, 31)),
        (date(2012, 2, 29), 12, date(2013, 2, 28)),
        (date(2011, 2, 28), 12, date(2012, 2, 27)),
    ],
)
def test_planned_end_for(start: date, months: int, end: date) -> None:
    assert planned_end_for(start, months, None) == end


def test_planned_end_override_wins() -> None:
    assert planned_end_for(date(2010, 7, 21), 12, date(2011, 1, 31)) == date(2011, 1, 31)
    assert planned_end_for(date(2010, 7, 21), 12, date(2010, 7, 21)) == date(2010, 7, 21)
    with pytest.raises(ValueError, match="before the start"):
        planned_end_for(date(2010, 7, 21), 12, date(2010, 7, 20))


def test_planned_end_needs_a_positive_period() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        planned_end_for(date(2010, 7, 21), 0, None)
