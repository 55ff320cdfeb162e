from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class FiscalYearLabel(BaseModel):
    fiscal_year: int = Field(description="Calendar year the fiscal year starts in (April)")
    label_ja: str = Field(examples=["平成22年度"])
    label_en: str = Field(examples=["FY2010 (Heisei 22)"])
    as_of: date | None = Field(default=None, description="The date of the release these figures come from")
    final: bool | None = Field(default=None, description="True once the year has closed: its figures never change")


class Figure(BaseModel):
    value: int | None = Field(description="The perturbed count (within noise_bound of the true one); null when "
                                          "hidden. 0 may stand for a true count up to noise_bound")
    suppressed: bool
    reason: Literal["small"] | None = Field(
        description="small: the perturbed count fell from 1 to the threshold, so it is not shown")


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
    threshold: int = Field(description="Perturbed counts from 1 up to this are hidden")
    noise_bound: int = Field(description="Every published count is within this of the true count; totals are "
                                         "perturbed on their own, so a table need not add up")
    as_of: date = Field(description="The date of the newest release in the answer (see fiscal_years)")
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
    # --- issue 18: staff work tied to no client ---
    staff_activities: int = Field(default=0, description="Staff activities tied to no client in the period "
                                                         "(phone consultations, 支援者支援 talks, …)")
    staff_activity_minutes: int = Field(default=0, description="Their minutes")


class BranchLoad(BaseModel):
    branch_code: str
    active_caseload: Figure = Field(description="Clients with an active or on-hold episode at this branch office "
                                                "(once per lead worker)")
    visits: int = Field(description="Home visits, accompaniments and trial stays in the period by the branch's staff")
    working_days: int = Field(description="Worker-days in the period with at least one recorded activity")
    visits_per_working_day: float | None
    capacity_use: float | None = Field(description="visits_per_working_day / daily_visit_capacity")
    # --- issue 18: staff work tied to no client ---
    staff_activities: int = Field(default=0, description="Staff activities tied to no client in the period "
                                                         "(phone consultations, 支援者支援 talks, …)")
    staff_activity_minutes: int = Field(default=0, description="Their minutes")


class Workload(BaseModel):
    threshold: int
    noise_bound: int
    as_of: date = Field(description="The date of the caseload release")
    daily_visit_capacity: int
    branch_code: str | None
    fiscal_years: list[FiscalYearLabel]
    branches: list[BranchLoad]
    workers: list[WorkerLoad] = Field(description="Per named worker: only for a supervisor, and only the workers of "
                                                  "the supervisor's own branch offices; empty for other roles")
    total_active_caseload: Figure


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
    noise_bound: int
    as_of: date = Field(description="The date of the release these figures come from")
    fiscal_year: FiscalYearLabel
    statuses: list[str]
    rows: list[ReferralPurposeRow]
    total: ReferralPurposeRow
