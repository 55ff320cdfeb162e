"""Referrals by purpose and status, overdue ones, and the median days from sending to acceptance,
for one fiscal year, ward-wide. The purpose × status table is suppressed as a whole (small cells
and their complements); no programme or branch filter exists, so no two requests differ slightly."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Float, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import Referral, ReferralStatusChange
from api.db.unit import RequestUnit
from api.domain import statistics as rules
from api.domain.access_rules import Action
from api.domain.fiscal import TOKYO, fiscal_year_bounds, today_tokyo
from api.domain.principal import Principal
from api.domain.resource_directory import ReferralPurpose
from api.domain.suppression import Cell, suppress_table, suppress_vector
from api.problems import Problem
from api.schemas.stats import Figure, FiscalYearLabel, ReferralPurposeRow, ReferralStats
from api.services.guard import require

STATUSES = ["requested", "received", "accepted", "rejected", "in_progress", "completed", "cancelled", "failed"]
_PURPOSE_LABELS = {
    "housing_search": ("住居探し", "Housing search"), "group_home": ("グループホーム", "Group home"),
    "consultation_support": ("相談支援", "Consultation support"), "outpatient": ("通院・医療", "Outpatient care"),
    "trial_stay": ("体験宿泊", "Trial stay"), "peer_support": ("ピアサポート", "Peer support"),
    "day_activity": ("日中活動の場", "Day activity place"), "employment_support": ("就労支援", "Employment support"),
    "home_help": ("ホームヘルプ", "Home help"), "other": ("その他", "Other"),
}
PURPOSES = [p.value for p in ReferralPurpose]


def _figure(cell: Cell) -> Figure:
    return Figure(value=cell.value, suppressed=cell.suppressed, reason=cell.reason)


async def _counts(session: AsyncSession, start: datetime, end: datetime, today_start: datetime
                  ) -> tuple[dict[tuple[str, str], int], dict[str, int], dict[str, tuple[int, float | None]]]:
    sent = (Referral.sent_at >= start) & (Referral.sent_at < end)
    by_status = {(r.purpose, r.status): int(r.n) for r in (await session.execute(
        select(Referral.purpose, Referral.status, func.count().label("n")).where(sent)
        .group_by(Referral.purpose, Referral.status))).all()}
    overdue = {r.purpose: int(r.n) for r in (await session.execute(
        select(Referral.purpose, func.count().label("n"))
        .where(sent, Referral.status.in_(["requested", "received"]), Referral.due_on < today_start.date())
        .group_by(Referral.purpose))).all()}
    accepted_at = (select(ReferralStatusChange.referral_id, func.min(ReferralStatusChange.at).label("at"))
                   .where(ReferralStatusChange.to_status == "accepted")
                   .group_by(ReferralStatusChange.referral_id).subquery())
    days = func.extract("epoch", accepted_at.c.at - Referral.sent_at) / 86400.0
    medians = {r.purpose: (int(r.n), None if r.median is None else round(float(r.median), 1)) for r in (
        await session.execute(
            select(Referral.purpose, func.count().label("n"),
                   func.percentile_cont(0.5).within_group(cast(days, Float)).label("median"))
            .join(accepted_at, accepted_at.c.referral_id == Referral.id).where(sent)
            .group_by(Referral.purpose))).all()}
    return by_status, overdue, medians


async def referral_table(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                         threshold: int, fiscal_year: int | None) -> ReferralStats:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    period = rules.check_period(fiscal_year, fiscal_year, today)
    if not isinstance(period, rules.Period):
        raise Problem("validation", period)
    fy = period.first
    first, last = fiscal_year_bounds(fy)
    start = datetime.combine(first, time.min, TOKYO)
    end = datetime.combine(last, time.max, TOKYO)
    async with reader() as session:
        by_status, overdue, medians = await _counts(session, start, end, datetime.combine(today, time.min, TOKYO))
    table = suppress_table({(p, s): by_status.get((p, s), 0) for p in PURPOSES for s in STATUSES}, threshold)
    late = suppress_vector({p: overdue.get(p, 0) for p in PURPOSES}, threshold)

    def median(purpose: str | None) -> float | None:
        if purpose is None:
            return None  # a ward-wide median would need every referral's days, not the per-purpose ones
        n, value = medians.get(purpose, (0, None))
        return value if n > threshold else None

    rows = []
    for p in PURPOSES:
        ja, en = _PURPOSE_LABELS[p]
        rows.append(ReferralPurposeRow(
            purpose=p, label_ja=ja, label_en=en,
            by_status={s: _figure(table.cells[(p, s)]) for s in STATUSES},
            total=_figure(table.row_totals[p]), overdue=_figure(late.cells[p]),
            median_days_to_acceptance=median(p)))
    total = ReferralPurposeRow(
        purpose=None, label_ja=rules.ALL.ja, label_en=rules.ALL.en,
        by_status={s: _figure(table.column_totals[s]) for s in STATUSES}, total=_figure(table.grand_total),
        overdue=_figure(late.total), median_days_to_acceptance=None)
    labels = rules.year_labels(fy)
    unit.audit("read", "statistics", subject="referrals", detail={"fiscal_year": fy})
    return ReferralStats(threshold=threshold, as_of=today, statuses=STATUSES,
                         fiscal_year=FiscalYearLabel(fiscal_year=fy, label_ja=labels[0], label_en=labels[1]),
                         rows=rows, total=total)
