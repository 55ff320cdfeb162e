"""What the dashboard statistics count and how they are laid out (no SQL here).

Every statistic is a three-way table per fiscal year: a category (age band, diagnosis group, …)
× programme × branch, with every margin. Filters pick a programme and a branch out of that table;
they never define a new population, so every answer is a selection from one published release
(see README "Statistics and disclosure control")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from api.domain import codes
from api.domain.fiscal import age_band, era_label, era_label_en, fiscal_year
from api.messages import Msg, msg

# The first fiscal year the network kept records for (both discharge programmes began in FY2007).
FIRST_FISCAL_YEAR = 2007
MAX_YEARS_PER_REQUEST = 20


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    ja: str
    en: str


def _from_codes(values: Sequence[codes.Code]) -> tuple[Category, ...]:
    return tuple(Category(c.code, c.ja, c.en) for c in values)


AGE_BANDS = tuple(Category(age_band(low), f"{age_band(low).replace('-', '〜')}歳", age_band(low))
                  for low in range(0, 90, 10))
DIAGNOSIS_GROUPS = (*_from_codes(codes.DIAGNOSIS_GROUPS), Category("unknown", "未記録", "Not recorded"))
DURATION_BANDS = (
    Category("up_to_6_months", "6か月以内", "6 months or less"),
    Category("up_to_1_year", "1年以内", "Up to 1 year"),
    Category("up_to_2_years", "2年以内", "Up to 2 years"),
    Category("longer", "2年超", "Longer than 2 years"),
)
CLOSURE_REASONS = _from_codes(codes.CLOSURE_REASONS)
EPISODE_STATES = (
    Category("on_schedule", "期間内", "Within the planned period"),
    Category("overdue", "期間超過", "Past the planned end"),
)
# --- issue 18: ending support ---
# Readmissions during an episode, by how far into the support they came.
READMISSION_TIMING = (
    Category("within_6_months", "支援開始から6か月以内", "Within 6 months of the start"),
    Category("within_1_year", "1年以内", "Within 1 year"),
    Category("later", "1年超", "Later than 1 year"),
)
ALL = Category("all", "計", "All")


@dataclass(frozen=True, slots=True)
class Period:
    first: int
    last: int

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.last + 1))


def check_period(first: int | None, last: int | None, today: date) -> Period | Msg:
    """Whole fiscal years only: a period is a range of them; default the current one."""
    current = fiscal_year(today)
    first = current if first is None and last is None else first if first is not None else last
    last = last if last is not None else first
    assert first is not None
    assert last is not None
    if first > last:
        return msg("stats.years_reversed")
    if first < FIRST_FISCAL_YEAR or last > current:
        return msg("stats.years_range", first=FIRST_FISCAL_YEAR, current=current)
    if last - first + 1 > MAX_YEARS_PER_REQUEST:
        return msg("stats.years_max", max=MAX_YEARS_PER_REQUEST)
    return Period(first, last)


def year_labels(fy: int) -> tuple[str, str]:
    return era_label(fy), era_label_en(fy)
