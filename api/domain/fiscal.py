"""Japanese fiscal years (年度, April–March), era labels and ages.

Everything calendar-like is decided in Asia/Tokyo: an activity recorded at
23:30 on 31 March in Tokyo belongs to the fiscal year that is ending, even
though it is already stored as 14:30 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = [
    "TOKYO",
    "age_band",
    "age_on",
    "era_label",
    "era_label_en",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_year_of_instant",
    "today_tokyo",
]

TOKYO = ZoneInfo("Asia/Tokyo")

_FIRST_MONTH = 4

# Fiscal years are labelled with the era in force when they begin, except
# that FY2019 (began 1 April, Reiwa from 1 May) is conventionally 令和元年度.
# Showa began in December 1926, so the first fiscal year labelled with it is
# FY1927 (昭和2年度). Entries: first fiscal year labelled with the era, calendar
# year that is the era's year 1, Japanese name, romanised name.
_ERAS: tuple[tuple[int, int, str, str], ...] = (
    (2019, 2019, "令和", "Reiwa"),
    (1989, 1989, "平成", "Heisei"),
    (1927, 1926, "昭和", "Showa"),
)

_LAST_BAND_START = 80


def fiscal_year(d: date) -> int:
    """The fiscal year containing *d*, named by the calendar year it starts in."""
    return d.year if d.month >= _FIRST_MONTH else d.year - 1


def fiscal_year_bounds(fy: int) -> tuple[date, date]:
    """First and last day (both inclusive) of fiscal year *fy*."""
    return date(fy, _FIRST_MONTH, 1), date(fy + 1, _FIRST_MONTH - 1, 31)


def _require_aware(dt: datetime) -> None:
    # A naive datetime would silently be read in the server's zone, which is
    # UTC in containers: off by nine hours around midnight and year ends.
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError("datetime must be timezone-aware")


def fiscal_year_of_instant(dt: datetime) -> int:
    """Fiscal year of an instant, judged by the Tokyo calendar date."""
    _require_aware(dt)
    return fiscal_year(dt.astimezone(TOKYO).date())


def today_tokyo(now: datetime | None = None) -> date:
    """Today's date in Tokyo; *now* lets callers and tests fix the clock."""
    if now is None:
        now = datetime.now(UTC)
    _require_aware(now)
    return now.astimezone(TOKYO).date()


def _era_of(fy: int) -> tuple[str, str, int]:
    for first_fy, year_one, name, name_en in _ERAS:
        if fy >= first_fy:
            return name, name_en, fy - year_one + 1
    raise ValueError(f"no era label for fiscal year {fy} (before FY{_ERAS[-1][0]})")


def era_label(fy: int) -> str:
    """Japanese label such as 平成22年度, with 元 for an era's first year."""
    name, _, year = _era_of(fy)
    return f"{name}{'元' if year == 1 else year}年度"


def era_label_en(fy: int) -> str:
    """English label such as "FY2010 (Heisei 22)"."""
    _, name_en, year = _era_of(fy)
    return f"FY{fy} ({name_en} {year})"


def age_on(birth: date, on: date) -> int:
    """Completed years of age on date *on*.

    Someone born on 29 February becomes a year older on 1 March in common
    years, which matches the Japanese age-reckoning law (年齢計算ニ関スル法律
    with 民法143条) and falls out of comparing (month, day) tuples.
    """
    if on < birth:
        raise ValueError("date is before the birth date")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_band(age: int) -> str:
    """Ten-year band such as "20-29"; everyone 80 or over shares "80+"."""
    if age < 0:
        raise ValueError("age must not be negative")
    if age >= _LAST_BAND_START:
        return f"{_LAST_BAND_START}+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"
