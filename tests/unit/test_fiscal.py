from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from api.domain.fiscal import (
    TOKYO,
    age_band,
    age_on,
    era_label,
    era_label_en,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_of_instant,
    today_tokyo,
)


@pytest.mark.parametrize(
    ("d", "fy"),
    [
        (date(2010, 7, 21), 2010),
        (date(2011, 3, 16), 2010),
        (date(2010, 4, 1), 2010),
        (date(2010, 3, 31), 2009),
        (date(2011, 3, 31), 2010),
        (date(2011, 4, 1), 2011),
        (date(2011, 1, 1), 2010),
        (date(2010, 12, 31), 2010),
    ],
)
def test_fiscal_year(d: date, fy: int) -> None:
    assert fiscal_year(d) == fy


def test_fiscal_year_bounds() -> None:
    assert fiscal_year_bounds(2010) == (date(2010, 4, 1), date(2011, 3, 31))
    assert fiscal_year_bounds(2011) == (date(2011, 4, 1), date(2012, 3, 31))


def test_bounds_agree_with_fiscal_year_on_both_edges() -> None:
    for fy in range(2005, 2030):
        first, last = fiscal_year_bounds(fy)
        assert fiscal_year(first) == fy
        assert fiscal_year(last) == fy
        assert fiscal_year(first - timedelta(days=1)) == fy - 1
        assert fiscal_year(last + timedelta(days=1)) == fy + 1


def test_instant_is_judged_by_tokyo_date() -> None:
    # 2011-03-31 15:30 UTC is already 1 April 00:30 in Tokyo: the new year.
    assert fiscal_year_of_instant(datetime(2011, 3, 31, 15, 30, tzinfo=UTC)) == 2011
    assert fiscal_year_of_instant(datetime(2011, 3, 31, 14, 59, tzinfo=UTC)) == 2010
    assert fiscal_year_of_instant(datetime(2011, 4, 1, 0, 30, tzinfo=TOKYO)) == 2011
    new_york = timezone(timedelta(hours=-4))
    assert fiscal_year_of_instant(datetime(2011, 3, 31, 12, 0, tzinfo=new_york)) == 2011


def test_instant_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        fiscal_year_of_instant(datetime(2011, 3, 31, 12, 0))


def test_today_tokyo() -> None:
    assert today_tokyo(datetime(2010, 7, 20, 15, 0, tzinfo=UTC)) == date(2010, 7, 21)
    assert today_tokyo(datetime(2010, 7, 20, 14, 59, tzinfo=UTC)) == date(2010, 7, 20)
    with pytest.raises(ValueError, match="timezone-aware"):
        today_tokyo(datetime(2010, 7, 20, 15, 0))


def test_today_tokyo_without_argument_uses_the_clock() -> None:
    before = datetime.now(TOKYO).date()
    today = today_tokyo()
    after = datetime.now(TOKYO).date()
    assert before <= today <= after


@pytest.mark.parametrize(
    ("fy", "label", "label_en"),
    [
        (2010, "平成22年度", "FY2010 (Heisei 22)"),
        (1989, "平成元年度", "FY1989 (Heisei 1)"),
        (1990, "平成2年度", "FY1990 (Heisei 2)"),
        (2018, "平成30年度", "FY2018 (Heisei 30)"),
        (2019, "令和元年度", "FY2019 (Reiwa 1)"),
        (2020, "令和2年度", "FY2020 (Reiwa 2)"),
        (2024, "令和6年度", "FY2024 (Reiwa 6)"),
        (1988, "昭和63年度", "FY1988 (Showa 63)"),
        (1927, "昭和2年度", "FY1927 (Showa 2)"),
    ],
)
def test_era_labels(fy: int, label: str, label_en: str) -> None:
    assert era_label(fy) == label
    assert era_label_en(fy) == label_en


def test_era_label_before_showa_is_refused() -> None:
    with pytest.raises(ValueError, match="1926"):
        era_label(1926)
    with pytest.raises(ValueError, match="1926"):
        era_label_en(1926)


def test_report_label_for_a_meeting_date() -> None:
    assert era_label(fiscal_year(date(2011, 3, 16))) == "平成22年度"


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1960, 7, 21), date(2010, 7, 20), 49),
        (date(1960, 7, 21), date(2010, 7, 21), 50),
        (date(1960, 7, 21), date(1960, 7, 21), 0),
        (date(1960, 12, 31), date(2011, 1, 1), 50),
        (date(1988, 2, 29), date(2011, 2, 28), 22),
        (date(1988, 2, 29), date(2011, 3, 1), 23),
        (date(1988, 2, 29), date(2012, 2, 29), 24),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_on_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the birth"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "0-9"),
        (9, "0-9"),
        (10, "10-19"),
        (19, "10-19"),
        (20, "20-29"),
        (49, "40-49"),
        (50, "50-59"),
        (79, "70-79"),
        (80, "80+"),
        (104, "80+"),
    ],
)
def test_age_band(age: int, band: str) -> None:
    assert age_band(age) == band


def test_age_band_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        age_band(-1)
