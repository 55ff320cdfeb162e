"""How long it took (issue 18): advice requests asked and answered, with the median hours to an
answer; enquiries received and registered as clients, with the median days to registration. One
fiscal year, ward-wide, perturbed by the cell-key method (each record's key) and published as a
dated release like every statistic; a median only where more than the threshold stand behind it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Float, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import AdviceRequest, Intake
from api.db.unit import RequestUnit
from api.domain import codes
from api.domain import statistics as rules
from api.domain.access_rules import Action
from api.domain.cell_key import Tally, publish, tally
from api.domain.fiscal import TOKYO, fiscal_year_bounds, today_tokyo
from api.domain.principal import Principal
from api.problems import Problem
from api.schemas.consultations import AdviceStats
from api.schemas.intakes import IntakeStats
from api.schemas.stats import Figure, FiscalYearLabel
from api.services.guard import require
from api.services.stats import Protection, figure_of
from api.services.stats_releases import Fresh, Release, release


def _year(fiscal_year: int | None, today: date) -> tuple[int, datetime, datetime]:
    period = rules.check_period(fiscal_year, fiscal_year, today)
    if not isinstance(period, rules.Period):
        raise Problem("validation", period)
    first, last = fiscal_year_bounds(period.first)
    return period.first, datetime.combine(first, time.min, TOKYO), datetime.combine(last, time.max, TOKYO)


async def _cells(session: AsyncSession, stmt: Any) -> dict[str, Tally]:
    return {str(r.cell): tally(int(r.n), int(r.key)) for r in (await session.execute(stmt)).all()}


def _fresh(cells: dict[str, Tally], median: tuple[int, float | None], protection: Protection) -> Fresh:
    figures: dict[str, object] = {k: publish(t, protection.threshold, protection.bound).value
                                  for k, t in cells.items()}
    n, value = median
    figures["median"] = value if n > protection.threshold else None
    return Fresh(leaves={k: t.n for k, t in cells.items()}, figures=figures)


async def _release(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], name: str, fy: int, today: date,
                   protection: Protection, count: Callable[[AsyncSession], Awaitable[Fresh]]) -> Release:
    async def compute() -> Fresh:
        async with reader() as session:
            return await count(session)

    return await release(unit, name, fy, today, protection.snapshot_seconds, protection.threshold, compute)


def _label(fy: int, made: Release) -> FiscalYearLabel:
    ja, en = rules.year_labels(fy)
    return FiscalYearLabel(fiscal_year=fy, label_ja=ja, label_en=en, as_of=made.released_on, final=made.final)


async def advice_table(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                       protection: Protection, fiscal_year: int | None) -> AdviceStats:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    fy, start, end = _year(fiscal_year, today)
    asked = (AdviceRequest.asked_at >= start) & (AdviceRequest.asked_at <= end)
    key = func.coalesce(func.sum(AdviceRequest.stat_key), 0).label("key")

    async def count(session: AsyncSession) -> Fresh:
        cells = await _cells(session, select(AdviceRequest.status.label("cell"), func.count().label("n"), key)
                             .where(asked).group_by(AdviceRequest.status))
        cells.update(await _cells(session, select(literal("asked").label("cell"),
                                                  func.count().label("n"), key).where(asked)))
        cells.update(await _cells(session, select(literal("about_a_client")
                                                  .label("cell"), func.count().label("n"), key)
                                  .where(asked, AdviceRequest.client_id.is_not(None))))
        hours = func.extract("epoch", AdviceRequest.answered_at - AdviceRequest.asked_at) / 3600.0
        row = (await session.execute(select(func.count().label("n"),
                                            func.percentile_cont(0.5).within_group(cast(hours, Float)).label("m"))
                                     .where(asked, AdviceRequest.answered_at.is_not(None)))).one()
        return _fresh(cells, (int(row.n), None if row.m is None else round(float(row.m), 1)), protection)

    made = await _release(unit, reader, "advice-requests", fy, today, protection, count)

    def figure(cell: str) -> Figure:
        value = made.figures.get(cell)
        return figure_of(value if isinstance(value, int) else None)

    unit.audit("read", "statistics", subject="advice-requests", detail={"fiscal_year": fy})
    median = made.figures.get("median")
    return AdviceStats(threshold=protection.threshold, noise_bound=protection.bound, as_of=made.released_on,
                       fiscal_year=_label(fy, made), asked=figure("asked"), answered=figure("answered"),
                       still_open=figure("open"), about_a_client=figure("about_a_client"),
                       median_hours_to_answer=float(median) if isinstance(median, (int, float)) else None)


async def intake_table(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                       protection: Protection, fiscal_year: int | None) -> IntakeStats:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    fy, start, end = _year(fiscal_year, today)
    received = (Intake.received_at >= start) & (Intake.received_at <= end)
    key = func.coalesce(func.sum(Intake.stat_key), 0).label("key")

    async def count(session: AsyncSession) -> Fresh:
        cells = await _cells(session, select(func.concat("triage:", Intake.triage_outcome).label("cell"),
                                             func.count().label("n"), key)
                             .where(received).group_by(Intake.triage_outcome))
        cells.update(await _cells(session, select(literal("received").label("cell"),
                                                  func.count().label("n"), key).where(received)))
        cells.update(await _cells(session, select(literal("converted").label("cell"),
                                                  func.count().label("n"), key)
                                  .where(received, Intake.client_id.is_not(None))))
        days = func.extract("epoch", Intake.converted_at - Intake.received_at) / 86400.0
        row = (await session.execute(select(func.count().label("n"),
                                            func.percentile_cont(0.5).within_group(cast(days, Float)).label("m"))
                                     .where(received, Intake.converted_at.is_not(None)))).one()
        return _fresh(cells, (int(row.n), None if row.m is None else round(float(row.m), 1)), protection)

    made = await _release(unit, reader, "intakes", fy, today, protection, count)

    def figure(cell: str) -> Figure:
        value = made.figures.get(cell)
        return figure_of(value if isinstance(value, int) else None)

    unit.audit("read", "statistics", subject="intakes", detail={"fiscal_year": fy})
    median = made.figures.get("median")
    return IntakeStats(threshold=protection.threshold, noise_bound=protection.bound, as_of=made.released_on,
                       fiscal_year=_label(fy, made), received=figure("received"),
                       became_clients=figure("converted"),
                       by_triage_outcome={c.code: figure(f"triage:{c.code}") for c in codes.INTAKE_TRIAGE_OUTCOMES},
                       median_days_to_conversion=float(median) if isinstance(median, (int, float)) else None)
