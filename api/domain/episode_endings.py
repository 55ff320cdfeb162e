"""Episodes nearing their planned end, and episodes running long (issue 18, item 8).

Support is in principle at most a year, yet some clients are in their third (newsletter:
「支援期間は原則１年以内…３年目になる方も」), and how support ends is the open question
(「どう終わるのかが課題」). Both conditions are sent once per episode as webhook events."""

from __future__ import annotations

from datetime import date, timedelta

ENDING_SOON = "ending_soon"
LONG_RUNNING = "long_running"
CONDITIONS = frozenset({ENDING_SOON, LONG_RUNNING})
EVENT_TYPES = {ENDING_SOON: "episode.ending_soon", LONG_RUNNING: "episode.long_running"}
RUNNING = ("active", "on_hold")

MAX_WINDOW_DAYS = 366
MAX_LONG_RUNNING_DAYS = 20 * 366


def ending_soon(status: str, planned_end: date | None, today: date, window_days: int) -> bool:
    """Running, with a planned end from today up to `window_days` ahead (a past one is already overdue)."""
    return status in RUNNING and planned_end is not None and today <= planned_end <= today + timedelta(window_days)


def long_running(status: str, started_on: date | None, today: date, threshold_days: int) -> bool:
    return status in RUNNING and started_on is not None and started_on <= today - timedelta(threshold_days)
