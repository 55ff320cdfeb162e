"""A programme's contract terms (受託): which corporation runs it under contract since when, and
the contract year of a date (「受託して3年目」): counted in fiscal years, the first year being the
fiscal year the contract started in (no SQL, no FastAPI here)."""

from __future__ import annotations

from datetime import date

from api.domain.fiscal import fiscal_year


def in_force(starts_on: date, ends_on: date | None, on: date) -> bool:
    return starts_on <= on and (ends_on is None or on <= ends_on)


def contract_year(starts_on: date, ends_on: date | None, on: date) -> int | None:
    """1 in the fiscal year the contract started, 2 in the next, …; None when not in force on `on`."""
    if not in_force(starts_on, ends_on, on):
        return None
    return fiscal_year(on) - fiscal_year(starts_on) + 1


def contract_year_label_ja(year: int | None) -> str | None:
    return None if year is None else f"受託して{year}年目"


def contract_year_label_en(year: int | None) -> str | None:
    if year is None:
        return None
    suffix = "th" if 10 <= year % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(year % 10, "th")
    return f"{year}{suffix} year of the contract"
