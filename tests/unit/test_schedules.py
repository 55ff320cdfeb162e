"""The pure rules of workers' schedules (api.domain.schedules) and the demo patterns' agreement
with the newsletter's days per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from api.demo import newsletter as nl
from api.domain import schedules as rules


@dataclass
class P:
    branch_code: str
    weekdays: list[int]
    valid_from: date
    valid_to: date | None = None
    visits_per_day: int = 5


@dataclass
class L:
    first_day: date
    last_day: date


TUESDAY = date(2010, 7, 20)


def test_day_plan_follows_pattern_validity_and_leave() -> None:
    patterns = [P("setagaya", [1, 3, 5], date(2010, 4, 1)), P("kitazawa", [2, 4], date(2010, 4, 1),
                                                               date(2010, 7, 31))]
    assert rules.day_plan(patterns, [], TUESDAY, 5).branch_code == "kitazawa"
    assert rules.day_plan(patterns, [], date(2010, 8, 3), 5).branch_code is None  # the pattern ended
    assert rules.day_plan(patterns, [L(TUESDAY, TUESDAY)], TUESDAY, 5).on_leave
    assert rules.day_plan([], [], TUESDAY, 4) == rules.DayPlan(TUESDAY, False, None, False, 4)


def test_misfit_names_the_reason() -> None:
    plan = rules.day_plan([P("karasuyama", [2], date(2010, 4, 1))], [], TUESDAY, 5)
    assert rules.misfit(plan, 4, "karasuyama") is None
    assert rules.misfit(plan, 5, "karasuyama") == rules.OVER_CAPACITY
    assert rules.misfit(plan, 0, "setagaya") == rules.ELSEWHERE
    assert rules.misfit(rules.day_plan([], [], TUESDAY, 5), 5, "setagaya") == rules.OVER_CAPACITY


def test_overlaps_only_on_shared_weekdays_and_dates() -> None:
    a = P("setagaya", [1, 3], date(2010, 4, 1), date(2010, 9, 30))
    assert rules.overlaps(a, P("kitazawa", [3], date(2010, 9, 1)))
    assert not rules.overlaps(a, P("kitazawa", [2, 4], date(2010, 4, 1)))
    assert not rules.overlaps(a, P("kitazawa", [1], date(2010, 10, 1)))


def test_demo_weekdays_match_the_newsletters_days_per_week() -> None:
    for user in nl.USERS:
        expected = {w.branch_code: w.days_per_week for w in user.work_pattern}
        assert {b: len(d) for b, d in nl.WEEKDAYS.get(user.username, {}).items()} == expected, user.username


def test_reference_lists_name_exactly_the_rules_codes() -> None:
    from api.domain import codes, episode_endings

    assert codes.codes_of(codes.SCHEDULE_CONFLICTS) == {rules.ELSEWHERE, rules.NOT_WORKING, rules.ON_LEAVE,
                                                        rules.OVER_CAPACITY}
    assert codes.codes_of(codes.EPISODE_ENDING_CONDITIONS) == episode_endings.CONDITIONS
