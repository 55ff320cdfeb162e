from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class FiscalYearLabel(BaseModel):
    fiscal_year: int = Field(description="Calendar year the fiscal year starts in (April)")
    label_ja: str = Field(examples=["平成22年度"])
    label_en: str = Field(examples=["FY2010 (Heisei 22)"])


class Figure(BaseModel):
    value: int | None = Field(description="null when suppressed")
    suppressed: bool
    reason: Literal["primary", "complementary"] | None = Field(
        description="primary: a count from 1 to the threshold; complementary: hidden so a primary one cannot be "
                    "worked out from totals")


class StatRow(BaseModel):
    category: str | None = Field(description="null on the total row")
    programme_code: str | None = Field(description="null: all programmes")
    branch_code: str | None = Field(description="null: all branches")
    label_ja: str
    label_en: str
    figures: list[Figure] = Field(description="One per entry of fiscal_years, in that order")


class StatTable(BaseModel):
    statistic: str
    unit: str = Field(description="What one counted item is")
    threshold: int = Field(description="Counts from 1 up to this are suppressed")
    as_of: date
    programme_code: str | None
    branch_code: str | None
    fiscal_years: list[FiscalYearLabel]
    rows: list[StatRow]
    total: StatRow


class WorkerLoad(BaseModel):
    worker_id: uuid.UUID
    name: str
    role: str
    branch_codes: list[str]
    active_caseload: Figure = Field(description="Clients with an active or on-hold episode the worker leads")
    visits: int = Field(description="Home visits, accompaniments and trial stays in the period")
    working_days: int = Field(description="Days in the period with at least one recorded activity")
    visits_per_working_day: float | None
    capacity_use: float | None = Field(description="visits_per_working_day / daily_visit_capacity")


class Workload(BaseModel):
    threshold: int
    as_of: date
    daily_visit_capacity: int
    branch_code: str | None
    fiscal_years: list[FiscalYearLabel]
    workers: list[WorkerLoad]
    total_active_caseload: Figure | None = Field(description="Only when no branch is selected")


class ReferralPurposeRow(BaseModel):
    purpose: str | None = Field(description="null on the total row")
    label_ja: str
    label_en: str
    by_status: dict[str, Figure]
    total: Figure
    overdue: Figure = Field(description="Still requested or received past the due date, today")
    median_days_to_acceptance: float | None = Field(
        description="From sending to acceptance; null when fewer referrals than the threshold were accepted")


class ReferralStats(BaseModel):
    threshold: int
    as_of: date
    fiscal_year: FiscalYearLabel
    statuses: list[str]
    rows: list[ReferralPurposeRow]
    total: ReferralPurposeRow
