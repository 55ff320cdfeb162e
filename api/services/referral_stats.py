"""Referrals by purpose and status, overdue ones, and the median days from sending to acceptance,
for one fiscal year, ward-wide, perturbed by the cell-key method (each referral's key) and published
as a dated release like every statistic (api.services.stats_releases)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Float, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import Referral, ReferralStatusChange
from api.db.unit import RequestUnit
from api.domain import codes
from api.domain import statistics as rules
from api.domain.access_rules import Action
from api.domain.cell_key import publish as publish_cell
from api.domain.cell_key import tally, with_margins
from api.domain.fiscal import TOKYO, fiscal_year_bounds, today_tokyo
from api.domain.principal import Principal
from api.domain.referral_transitions import AWAITING_ANSWER, ReferralStatus
from api.domain.resource_directory import ReferralPurpose
from api.problems import Problem
from api.schemas.stats import Figure, FiscalYearLabel, ReferralPurposeRow, ReferralStats
from api.services.guard import require
from api.services.stats import Protection, cube_key, figure_of
from api.services.stats_releases import Fresh, release

# Every status a sent referral can have (a draft is not sent), in the list's order.
STATUSES = [s.value for s in ReferralStatus if s != ReferralStatus.DRAFT]
_PURPOSE_LABELS = {c.code: (c.ja, c.en) for c in codes.REFERRAL_PURPOSES}
PURPOSES = [p.value for p in ReferralPurpose]


async def _counts(session: AsyncSession, start: datetime, end: datetime, today_start: datetime, threshold: int,
                  bound: int) -> Fresh:
    sent = (Referral.sent_at >= start) & (Referral.sent_at < end)
    key = func.sum(Referral.stat_key).label("key")
    by_status = {("status", r.purpose, r.status): tally(int(r.n), int(r.key)) for r in (await session.execute(
        select(Referral.purpose, Referral.status, func.count().label("n"), key).where(sent)
        .group_by(Referral.purpose, Referral.status))).all()}
    overdue = {("overdue", r.purpose): tally(int(r.n), int(r.key)) for r in (await session.execute(
        select(Referral.purpose, func.count().label("n"), key)
        .where(sent, Referral.status.in_(sorted(AWAITING_ANSWER)), Referral.due_on < today_start.date())
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
    figures: dict[str, object] = {}
    for at, cell in [*with_margins(by_status).items(), *with_margins(overdue).items()]:
        if at[0] is not None:
            figures[cube_key(at)] = publish_cell(cell, threshold, bound).value
    for purpose, (n, value) in medians.items():
        # A median describes the referrals behind it: shown only where more than the threshold were accepted.
        figures[cube_key(("median", purpose))] = value if n > threshold else None
    return Fresh(leaves={cube_key(k): t.n for k, t in [*by_status.items(), *overdue.items()]}, figures=figures)


async def referral_table(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                         protection: Protection, fiscal_year: int | None) -> ReferralStats:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    period = rules.check_period(fiscal_year, fiscal_year, today)
    if not isinstance(period, rules.Period):
        raise Problem("validation", period)
    fy = period.first
    first, last = fiscal_year_bounds(fy)
    start = datetime.combine(first, time.min, TOKYO)
    end = datetime.combine(last, time.max, TOKYO)
    async def compute() -> Fresh:
        async with reader() as session:
            return await _counts(session, start, end, datetime.combine(today, time.min, TOKYO),
                                 protection.threshold, protection.bound)

    made = await release(unit, "referrals", fy, today, protection.snapshot_seconds, protection.threshold, compute)

    def figure(*at: str | None) -> Figure:
        return figure_of(made.figures.get(cube_key(at)))

    rows = []
    for p in PURPOSES:
        ja, en = _PURPOSE_LABELS[p]
        rows.append(ReferralPurposeRow(
            purpose=p, label_ja=ja, label_en=en,
            by_status={s: figure("status", p, s) for s in STATUSES},
            total=figure("status", p, None), overdue=figure("overdue", p),
            median_days_to_acceptance=made.figures.get(cube_key(("median", p)))))
    total = ReferralPurposeRow(
        purpose=None, label_ja=rules.ALL.ja, label_en=rules.ALL.en,
        by_status={s: figure("status", None, s) for s in STATUSES}, total=figure("status", None, None),
        overdue=figure("overdue", None), median_days_to_acceptance=None)
    labels = rules.year_labels(fy)
    unit.audit("read", "statistics", subject="referrals", detail={"fiscal_year": fy})
    return ReferralStats(threshold=protection.threshold, noise_bound=protection.bound, as_of=made.released_on,
                         statuses=STATUSES,
                         fiscal_year=FiscalYearLabel(fiscal_year=fy, label_ja=labels[0], label_en=labels[1],
                                                     as_of=made.released_on, final=made.final),
                         rows=rows, total=total)
