"""Code lists written in two places (a Literal for the API schema, an enum or table for the
rules) must not drift apart."""

from __future__ import annotations

from typing import get_args

from api.domain import codes
from api.domain.resource_directory import ReferralPurpose
from api.schemas import clients, episodes, referrals


def test_referral_purposes_agree() -> None:
    assert set(get_args(referrals.ReferralPurpose)) == {p.value for p in ReferralPurpose}


def test_client_code_literals_match_reference_lists() -> None:
    assert set(get_args(clients.Sex)) == codes.codes_of(codes.SEXES)
    assert set(get_args(clients.ResidenceType)) == codes.codes_of(codes.RESIDENCE_TYPES)
    assert set(get_args(clients.TeamRole)) == codes.codes_of(codes.TEAM_ROLES)
    assert set(get_args(episodes.ActivityKind)) == codes.codes_of(codes.ACTIVITY_KINDS)
    assert set(get_args(episodes.AccompanimentPurpose)) == codes.codes_of(codes.ACCOMPANIMENT_PURPOSES)
    assert set(get_args(episodes.ClosureReasonName)) == codes.codes_of(codes.CLOSURE_REASONS)
    assert set(get_args(episodes.GoalStatus)) == codes.codes_of(codes.GOAL_STATUSES)
