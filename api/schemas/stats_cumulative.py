"""Cumulative statistics: one table over a range of fiscal years (issue 18, item 9)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.stats import Figure, FiscalYearLabel


class CumulativeRow(BaseModel):
    programme_code: str | None = Field(description="null: all programmes (a person counted once per programme)")
    branch_code: str | None = Field(description="null: all branches")
    label_ja: str
    label_en: str
    figure: Figure = Field(description="Distinct persons over the whole range, perturbed as one cell")


class CumulativeTable(BaseModel):
    statistic: str
    unit: str = Field(description="What one counted item is")
    threshold: int = Field(description="Perturbed counts from 1 up to this are hidden")
    noise_bound: int = Field(description="Every published count is within this of the true count")
    as_of: date = Field(description="The date of the release these figures come from")
    final: bool = Field(description="True once the range's last fiscal year has closed: the figures never change")
    first: FiscalYearLabel
    last: FiscalYearLabel
    label_ja: str = Field(examples=["平成19年度〜平成22年度"])
    label_en: str = Field(examples=["FY2007–FY2010"])
    programme_code: str | None
    branch_code: str | None
    rows: list[CumulativeRow]
    total: CumulativeRow
