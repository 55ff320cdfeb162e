from datetime import date

import pytest

from api.domain.referral_transitions import (
    OPEN_STATUSES,
    REASON_REQUIRED,
    REFERRAL_TRANSITIONS,
    SIDE_OF_ACTION,
    TERMINAL_STATUSES,
    ReferralAction,
    ReferralStatus,
    is_overdue,
    missing_requirements,
)
from api.domain.transitions import IllegalTransition

LEGAL = {
    ("draft", "send"): "requested",
    ("requested", "receive"): "received",
    ("requested", "accept"): "accepted",
    ("received", "accept"): "accepted",
    ("requested", "reject"): "rejected",
    ("received", "reject"): "rejected",
    ("accepted", "start"): "in_progress",
    ("in_progress", "complete"): "completed",
    ("draft", "cancel"): "cancelled",
    ("requested", "cancel"): "cancelled",
    ("received", "cancel"): "cancelled",
    ("accepted", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
    ("accepted", "fail"): "failed",
    ("in_progress", "fail"): "failed",
}


def test_vocabulary_is_fhir_task_status() -> None:
    assert {s.value for s in ReferralStatus} == {
        "draft", "requested", "received", "accepted", "rejected",
        "in_progress", "completed", "cancelled", "failed",
    }  # fmt: skip


@pytest.mark.parametrize(("move", "to"), LEGAL.items())
def test_legal_transitions(move: tuple[str, str], to: str) -> None:
    status, action = move
    assert REFERRAL_TRANSITIONS.target(ReferralStatus(status), action) == to


def test_every_other_pair_is_illegal_and_names_the_allowed_actions() -> None:
    for status in ReferralStatus:
        allowed = sorted(a for (s, a) in LEGAL if s == status)
        assert REFERRAL_TRANSITIONS.allowed_actions(status) == allowed
        for action in ReferralAction:
            if (status, action) in LEGAL:
                continue
            with pytest.raises(IllegalTransition) as caught:
                REFERRAL_TRANSITIONS.target(status, action)
            assert caught.value.allowed_actions == allowed


@pytest.mark.parametrize(
    ("status", "action", "allowed"),
    [
        ("draft", "accept", ["cancel", "send"]),
        ("requested", "start", ["accept", "cancel", "receive", "reject"]),
        ("received", "receive", ["accept", "cancel", "reject"]),
        ("accepted", "complete", ["cancel", "fail", "start"]),
        ("in_progress", "reject", ["cancel", "complete", "fail"]),
        ("completed", "cancel", []),
        ("rejected", "accept", []),
        ("cancelled", "send", []),
        ("failed", "start", []),
    ],
)
def test_sample_illegal(status: str, action: str, allowed: list[str]) -> None:
    with pytest.raises(IllegalTransition) as caught:
        REFERRAL_TRANSITIONS.target(ReferralStatus(status), action)
    assert caught.value.allowed_actions == allowed


def test_terminal_statuses_allow_nothing() -> None:
    assert {s for s in ReferralStatus if not REFERRAL_TRANSITIONS.allowed_actions(s)} == TERMINAL_STATUSES


def test_sides() -> None:
    assert dict(SIDE_OF_ACTION) == {
        "send": "sender",
        "cancel": "sender",
        "receive": "receiver",
        "accept": "receiver",
        "reject": "receiver",
        "start": "receiver",
        "complete": "receiver",
        "fail": "receiver",
    }
    assert set(SIDE_OF_ACTION) == set(REFERRAL_TRANSITIONS.actions)


def test_reasons() -> None:
    assert frozenset({"reject", "cancel", "fail"}) == REASON_REQUIRED
    assert missing_requirements(ReferralAction.REJECT, None) == ["reason"]
    assert missing_requirements(ReferralAction.CANCEL, "   ") == ["reason"]
    assert missing_requirements(ReferralAction.FAIL, "no vacancy at the group home") == []
    assert missing_requirements(ReferralAction.ACCEPT, None) == []


def test_open_statuses() -> None:
    assert frozenset({"requested", "received", "accepted", "in_progress"}) == OPEN_STATUSES
    assert not OPEN_STATUSES & TERMINAL_STATUSES
    assert ReferralStatus.DRAFT not in OPEN_STATUSES


DUE = date(2010, 8, 31)


@pytest.mark.parametrize(
    ("status", "due", "today", "overdue"),
    [
        ("requested", DUE, date(2010, 9, 1), True),
        ("received", DUE, date(2010, 9, 1), True),
        ("requested", DUE, DUE, False),
        ("received", DUE, date(2010, 8, 1), False),
        ("requested", None, date(2010, 9, 1), False),
        ("accepted", DUE, date(2010, 9, 1), False),
        ("in_progress", DUE, date(2010, 9, 1), False),
        ("draft", DUE, date(2010, 9, 1), False),
        ("completed", DUE, date(2010, 9, 1), False),
        ("cancelled", DUE, date(2010, 9, 1), False),
    ],
)
def test_is_overdue(status: str, due: date | None, today: date, overdue: bool) -> None:
    assert is_overdue(ReferralStatus(status), due, today) is overdue
