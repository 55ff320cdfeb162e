"""Referral (紹介・依頼) statuses, following the FHIR Task vocabulary.

A referral has two sides: the agency that sends it and the agency asked to
act. Each action belongs to one side only; the receiver can never cancel,
the sender can never accept its own request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from api.domain.transitions import TransitionTable

__all__ = [
    "AWAITING_ANSWER",
    "OPEN_STATUSES",
    "REASON_REQUIRED",
    "REFERRAL_TRANSITIONS",
    "SIDE_OF_ACTION",
    "TERMINAL_STATUSES",
    "ReferralAction",
    "ReferralStatus",
    "Side",
    "is_overdue",
    "missing_requirements",
]

Side = Literal["sender", "receiver"]


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    REQUESTED = "requested"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ReferralAction(StrEnum):
    SEND = "send"
    RECEIVE = "receive"
    ACCEPT = "accept"
    REJECT = "reject"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    FAIL = "fail"


_S = ReferralStatus
_A = ReferralAction

REFERRAL_TRANSITIONS: TransitionTable[ReferralStatus] = TransitionTable(
    {
        _A.SEND: ({_S.DRAFT}, _S.REQUESTED),
        _A.RECEIVE: ({_S.REQUESTED}, _S.RECEIVED),
        _A.ACCEPT: ({_S.REQUESTED, _S.RECEIVED}, _S.ACCEPTED),
        _A.REJECT: ({_S.REQUESTED, _S.RECEIVED}, _S.REJECTED),
        _A.START: ({_S.ACCEPTED}, _S.IN_PROGRESS),
        _A.COMPLETE: ({_S.IN_PROGRESS}, _S.COMPLETED),
        _A.CANCEL: ({_S.DRAFT, _S.REQUESTED, _S.RECEIVED, _S.ACCEPTED, _S.IN_PROGRESS}, _S.CANCELLED),
        _A.FAIL: ({_S.ACCEPTED, _S.IN_PROGRESS}, _S.FAILED),
    }
)

SIDE_OF_ACTION: Mapping[str, Side] = MappingProxyType(
    {
        _A.SEND: "sender",
        _A.RECEIVE: "receiver",
        _A.ACCEPT: "receiver",
        _A.REJECT: "receiver",
        _A.START: "receiver",
        _A.COMPLETE: "receiver",
        _A.CANCEL: "sender",
        _A.FAIL: "receiver",
    }
)

# Ending someone else's expectations needs an explanation they can act on
# (FHIR Task.statusReason is expected for exactly these).
REASON_REQUIRED: frozenset[str] = frozenset({_A.REJECT, _A.CANCEL, _A.FAIL})

OPEN_STATUSES: frozenset[ReferralStatus] = frozenset({_S.REQUESTED, _S.RECEIVED, _S.ACCEPTED, _S.IN_PROGRESS})

TERMINAL_STATUSES: frozenset[ReferralStatus] = frozenset({_S.REJECTED, _S.COMPLETED, _S.CANCELLED, _S.FAILED})

# Only a referral still waiting for the receiver's answer can be late; once
# accepted, the due date has done its job of prompting an answer.
AWAITING_ANSWER: frozenset[ReferralStatus] = frozenset({_S.REQUESTED, _S.RECEIVED})


def missing_requirements(action: ReferralAction, reason: str | None) -> list[str]:
    """``["reason"]`` when *action* needs a reason and none (or only blanks) was given."""
    if action in REASON_REQUIRED and (reason is None or not reason.strip()):
        return ["reason"]
    return []


def is_overdue(status: ReferralStatus, due: date | None, today: date) -> bool:
    """True for a referral awaiting an answer after its due date (the due day itself is on time)."""
    return due is not None and status in AWAITING_ANSWER and today > due
