"""Council meeting (部会) statuses.

A meeting is scheduled, agencies that asked for it get a notice (開催のお知らせ),
it is held with a head count, and minutes or a newsletter are published.
Published meetings are readable without login, so publishing is a separate,
deliberate step after holding.
"""

from __future__ import annotations

from enum import StrEnum

from api.domain.transitions import TransitionTable

__all__ = [
    "MEETING_TRANSITIONS",
    "TERMINAL_STATUSES",
    "MeetingAction",
    "MeetingStatus",
    "missing_requirements",
]


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    NOTICE_SENT = "notice_sent"
    HELD = "held"
    MINUTES_PUBLISHED = "minutes_published"
    CANCELLED = "cancelled"


class MeetingAction(StrEnum):
    SEND_NOTICE = "send_notice"
    HOLD = "hold"
    PUBLISH = "publish"
    CANCEL = "cancel"


_S = MeetingStatus
_A = MeetingAction

MEETING_TRANSITIONS: TransitionTable[MeetingStatus] = TransitionTable(
    {
        _A.SEND_NOTICE: ({_S.SCHEDULED}, _S.NOTICE_SENT),
        _A.HOLD: ({_S.SCHEDULED, _S.NOTICE_SENT}, _S.HELD),
        _A.PUBLISH: ({_S.HELD}, _S.MINUTES_PUBLISHED),
        _A.CANCEL: ({_S.SCHEDULED, _S.NOTICE_SENT}, _S.CANCELLED),
    }
)

TERMINAL_STATUSES: frozenset[MeetingStatus] = frozenset({_S.MINUTES_PUBLISHED, _S.CANCELLED})


def missing_requirements(action: MeetingAction, attendance: int | None = None) -> list[str]:
    """``["attendance"]`` when holding a meeting without a head count of zero or more.

    Attendance is reported to the ward per meeting, so a meeting cannot be
    marked held without it; zero is a real count (nobody came).
    """
    if action == MeetingAction.HOLD and (attendance is None or attendance < 0):
        return ["attendance"]
    return []
