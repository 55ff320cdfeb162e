"""Support episode (支援) statuses, what each action needs, and planned end dates.

An episode is proposed, decided at a support meeting with the client's
consent, runs for a set period (normally one year), may be extended by a
new decision, and is closed with a reason.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from api.domain.transitions import TransitionTable

__all__ = [
    "EPISODE_TRANSITIONS",
    "OPEN_STATUSES",
    "REQUIREMENTS",
    "RUNNING_STATUSES",
    "STARTED_STATUSES",
    "TERMINAL_STATUSES",
    "ActionFacts",
    "ActionRequirements",
    "ClosureReason",
    "EpisodeAction",
    "EpisodeStatus",
    "add_months",
    "missing_requirements",
    "planned_end_for",
]


class EpisodeStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class EpisodeAction(StrEnum):
    START = "start"
    HOLD = "hold"
    RESUME = "resume"
    EXTEND = "extend"
    FINISH = "finish"
    CANCEL = "cancel"


class ClosureReason(StrEnum):
    GOAL_ACHIEVED = "goal_achieved"
    MOVED_AWAY = "moved_away"
    ASSISTANCE_ENDED = "assistance_ended"
    CLIENT_WITHDREW = "client_withdrew"
    HOSPITALISED = "hospitalised"
    TRANSFERRED = "transferred"
    DIED = "died"
    OTHER = "other"


_S = EpisodeStatus
_A = EpisodeAction

EPISODE_TRANSITIONS: TransitionTable[EpisodeStatus] = TransitionTable(
    {
        _A.START: ({_S.PROPOSED}, _S.ACTIVE),
        _A.HOLD: ({_S.ACTIVE}, _S.ON_HOLD),
        _A.RESUME: ({_S.ON_HOLD}, _S.ACTIVE),
        _A.EXTEND: ({_S.ACTIVE, _S.ON_HOLD}, None),
        _A.FINISH: ({_S.ACTIVE, _S.ON_HOLD}, _S.FINISHED),
        _A.CANCEL: ({_S.PROPOSED}, _S.CANCELLED),
    }
)

TERMINAL_STATUSES: frozenset[EpisodeStatus] = frozenset({_S.FINISHED, _S.CANCELLED})
# Not yet closed: proposed, running or paused.
OPEN_STATUSES: frozenset[EpisodeStatus] = frozenset({_S.PROPOSED, _S.ACTIVE, _S.ON_HOLD})
# Started and not yet closed: support is under way (paused counts), so a planned end can be passed.
RUNNING_STATUSES: frozenset[EpisodeStatus] = frozenset({_S.ACTIVE, _S.ON_HOLD})
# Started at some time (running or finished since): the client was supported.
STARTED_STATUSES: frozenset[EpisodeStatus] = RUNNING_STATUSES | {_S.FINISHED}


@dataclass(frozen=True)
class ActionRequirements:
    """What must be on record before an action, and what it records besides the status."""

    decision: bool = False
    consent_covering_programme: bool = False
    later_planned_end: bool = False
    closure_reason: bool = False
    living_situation: bool = False
    reason: bool = False
    records_readmission: bool = False


REQUIREMENTS: Mapping[EpisodeAction, ActionRequirements] = MappingProxyType(
    {
        _A.START: ActionRequirements(decision=True, consent_covering_programme=True),
        _A.HOLD: ActionRequirements(reason=True, records_readmission=True),
        _A.RESUME: ActionRequirements(),
        _A.EXTEND: ActionRequirements(decision=True, later_planned_end=True),
        _A.FINISH: ActionRequirements(decision=True, closure_reason=True, living_situation=True),
        _A.CANCEL: ActionRequirements(),
    }
)


@dataclass(frozen=True)
class ActionFacts:
    """What the caller has gathered for an action, checked by ``missing_requirements``."""

    has_decision: bool = False
    consent_covers_programme: bool = False
    current_planned_end: date | None = None
    new_planned_end: date | None = None
    closure_reason: ClosureReason | None = None
    living_situation: str | None = None
    reason: str | None = None


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def missing_requirements(action: EpisodeAction, facts: ActionFacts) -> list[str]:
    """Names of the unmet requirements of *action*; empty when it may proceed.

    The names are the ``ActionFacts`` fields at fault, so an HTTP layer can
    point at the offending input.
    """
    needs = REQUIREMENTS[action]
    missing: list[str] = []
    if needs.decision and not facts.has_decision:
        missing.append("has_decision")
    if needs.consent_covering_programme and not facts.consent_covers_programme:
        missing.append("consent_covers_programme")
    if needs.later_planned_end and (
        facts.new_planned_end is None
        or (facts.current_planned_end is not None and facts.new_planned_end <= facts.current_planned_end)
    ):
        missing.append("new_planned_end")
    if needs.closure_reason and facts.closure_reason is None:
        missing.append("closure_reason")
    if needs.living_situation and _blank(facts.living_situation):
        missing.append("living_situation")
    if needs.reason and _blank(facts.reason):
        missing.append("reason")
    return missing


def add_months(d: date, months: int) -> date:
    """*d* moved by whole months, clamped to the end of a shorter month."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def planned_end_for(start: date, default_months: int, override: date | None) -> date:
    """Last day (inclusive) of an episode of *default_months* starting on *start*.

    Follows how Japanese law counts periods in months (民法143条): the period
    ends the day before the same day-of-month, or at the end of the month
    when that day does not exist. So 2010-07-21 + 12 months ends 2011-07-20,
    and 2010-08-31 + 6 months ends 2011-02-28 rather than the 27th.
    """
    if override is not None:
        if override < start:
            raise ValueError("planned end is before the start")
        return override
    if default_months < 1:
        raise ValueError("default_months must be at least 1")
    same_day = add_months(start, default_months)
    if same_day.day != start.day:
        return same_day
    return same_day - timedelta(days=1)
