import pytest

from api.domain.meeting_transitions import (
    MEETING_TRANSITIONS,
    TERMINAL_STATUSES,
    MeetingAction,
    MeetingStatus,
    missing_requirements,
)
from api.domain.transitions import IllegalTransition

LEGAL = {
    ("scheduled", "send_notice"): "notice_sent",
    ("scheduled", "hold"): "held",
    ("notice_sent", "hold"): "held",
    ("held", "publish"): "minutes_published",
    ("scheduled", "cancel"): "cancelled",
    ("notice_sent", "cancel"): "cancelled",
}


@pytest.mark.parametrize(("move", "to"), LEGAL.items())
def test_legal_transitions(move: tuple[str, str], to: str) -> None:
    status, action = move
    assert MEETING_TRANSITIONS.target(MeetingStatus(status), action) == to


def test_every_other_pair_is_illegal_and_names_the_allowed_actions() -> None:
    for status in MeetingStatus:
        allowed = sorted(a for (s, a) in LEGAL if s == status)
        assert MEETING_TRANSITIONS.allowed_actions(status) == allowed
        for action in MeetingAction:
            if (status, action) in LEGAL:
                continue
            with pytest.raises(IllegalTransition) as caught:
                MEETING_TRANSITIONS.target(status, action)
            assert caught.value.allowed_actions == allowed


@pytest.mark.parametrize(
    ("status", "action", "allowed"),
    [
        ("scheduled", "publish", ["cancel", "hold", "send_notice"]),
        ("notice_sent", "send_notice", ["cancel", "hold"]),
        ("held", "cancel", ["publish"]),
        ("held", "hold", ["publish"]),
        ("minutes_published", "publish", []),
        ("cancelled", "hold", []),
    ],
)
def test_sample_illegal(status: str, action: str, allowed: list[str]) -> None:
    with pytest.raises(IllegalTransition) as caught:
        MEETING_TRANSITIONS.target(MeetingStatus(status), action)
    assert caught.value.allowed_actions == allowed


def test_terminal_statuses_allow_nothing() -> None:
    assert {s for s in MeetingStatus if not MEETING_TRANSITIONS.allowed_actions(s)} == TERMINAL_STATUSES


@pytest.mark.parametrize(("attendance", "missing"), [(None, ["attendance"]), (-1, ["attendance"]), (0, []), (48, [])])
def test_hold_needs_an_attendance_count(attendance: int | None, missing: list[str]) -> None:
    assert missing_requirements(MeetingAction.HOLD, attendance) == missing


def test_other_actions_need_no_attendance() -> None:
    for action in (MeetingAction.SEND_NOTICE, MeetingAction.PUBLISH, MeetingAction.CANCEL):
        assert missing_requirements(action) == []
