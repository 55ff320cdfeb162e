"""Dashboard statistics: counts from the read replica (or the primary), protected by
api.domain.suppression before anything leaves the service."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Select, case, cast, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import Branch, Client, Episode, Programme, UserAccount, WorkerDayLoad
from api.db.scopes import episodes_counted_for_statistics
from api.db.unit import RequestUnit
from api.domain import statistics as rules
from api.domain.access_rules import Action
from api.domain.fiscal import age_band, fiscal_year, fiscal_year_bounds, today_tokyo
from api.domain.principal import Principal
from api.domain.suppression import Cell, CubeKey, Reason, suppress_cube, suppress_vector
from api.messages import msg
from api.problems import Problem
from api.schemas.stats import Figure, FiscalYearLabel, StatRow, StatTable, WorkerLoad, Workload
from api.services.guard import require

Counts = dict[tuple[str, str, str, int], int]
Protected = dict[int, dict[CubeKey, Cell]]


@dataclass(frozen=True, slots=True)
class Filters:
    period: rules.Period
    programme_code: str | None
    branch_code: str | None


@dataclass(frozen=True, slots=True)
class Axes:
    programmes: list[str]
    branches: list[str]


@dataclass(frozen=True, slots=True)
class Statistic:
    name: str
    unit: str
    categories: tuple[rules.Category, ...]
    query: Callable[[Principal, rules.Period, date], Select[Any]]


def _fy_series(period: rules.Period) -> Any:
    return func.generate_series(period.first, period.last).column_valued("fy")


def _base(principal: Principal, category: Any, fy: Any, counted: Any) -> Select[Any]:
    return (
        select(category.label("category"), Programme.code.label("programme"), Episode.branch_code.label("branch"),
               fy.label("fy"), counted.label("n"))
        .select_from(Episode)
        .join(Programme, Programme.id == Episode.programme_id)
        .join(Client, Client.id == Episode.client_id)
        .where(episodes_counted_for_statistics(principal), Episode.started_on.is_not(None))
        .group_by(text("1, 2, 3, 4"))
    )


def _fiscal_year_of(day: Any) -> Any:
    # April–March: the fiscal year is the calendar year of the date three months earlier.
    return cast(func.date_part("year", cast(day - func.make_interval(0, 3), Date)), Integer)


def supported_persons_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Persons with an episode under way at any time in the fiscal year, by diagnosis group."""
    fy = _fy_series(period)
    return _base(principal, func.coalesce(Client.diagnosis_group, "unknown"), fy,
                 func.count(Episode.client_id.distinct())).where(
        Episode.status.in_(["active", "on_hold", "finished"]),
        Episode.started_on <= func.make_date(fy + 1, 3, 31),
        func.coalesce(Episode.ended_on, date.max) >= func.make_date(fy, 4, 1),
    )


def age_band_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Persons starting an episode in the fiscal year, by age at the start (10-year bands)."""
    fy = _fiscal_year_of(Episode.started_on)
    age = cast(func.date_part("year", func.age(Episode.started_on, Client.date_of_birth)), Integer)
    return _base(principal, func.least(age // 10 * 10, 80), fy, func.count(Episode.client_id.distinct())).where(
        Episode.status != "cancelled", fy.between(period.first, period.last))


def _closed(principal: Principal, period: rules.Period, category: Any) -> Select[Any]:
    fy = _fiscal_year_of(Episode.ended_on)
    return _base(principal, category, fy, func.count()).where(
        Episode.status == "finished", Episode.ended_on.is_not(None), fy.between(period.first, period.last))


def duration_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Episodes closed in the fiscal year, by how long support lasted (calendar months)."""
    end, start = Episode.ended_on, Episode.started_on
    band = case(
        (end <= start + func.make_interval(0, 6), "up_to_6_months"),
        (end <= start + func.make_interval(1), "up_to_1_year"),
        (end <= start + func.make_interval(2), "up_to_2_years"),
        else_="longer",
    )
    return _closed(principal, period, band)


def closure_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Episodes closed in the fiscal year, by closure reason."""
    return _closed(principal, period, func.coalesce(Episode.closure_reason, "other"))


def episode_state_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Episodes active or on hold today, within or past their planned end."""
    state = case((Episode.planned_end < today, "overdue"), else_="on_schedule")
    return _base(principal, state, literal(fiscal_year(today)), func.count()).where(
        Episode.status.in_(["active", "on_hold"]))


STATISTICS: Mapping[str, Statistic] = {
    s.name: s for s in (
        Statistic("supported-persons", "person supported in the fiscal year (per programme)",
                  rules.DIAGNOSIS_GROUPS, supported_persons_query),
        Statistic("diagnosis-groups", "person supported in the fiscal year (per programme)",
                  rules.DIAGNOSIS_GROUPS, supported_persons_query),
        Statistic("age-bands", "person starting support in the fiscal year (per programme)",
                  rules.AGE_BANDS, age_band_query),
        Statistic("support-durations", "episode closed in the fiscal year", rules.DURATION_BANDS, duration_query),
        Statistic("closure-reasons", "episode closed in the fiscal year", rules.CLOSURE_REASONS, closure_query),
        Statistic("episode-status", "episode active or on hold today", rules.EPISODE_STATES, episode_state_query),
    )
}
# Tables of one population published under different categories share their "all categories"
# figures: those must be hidden alike in both, or one would give away what the other hides.
LINKED = {"support-durations": "closure-reasons", "closure-reasons": "support-durations"}
# Referral statistics (issue 7: referrals by purpose and status with median days to acceptance)
# belong here as a Statistic over the referrals table once it lands (branch `referrals`).


async def _axes(session: AsyncSession) -> Axes:
    programmes = (await session.scalars(select(Programme.code).order_by(Programme.code))).all()
    branches = (await session.scalars(select(Branch.code).order_by(Branch.sort_order, Branch.code))).all()
    return Axes(list(programmes), list(branches))


async def _counts(session: AsyncSession, stat: Statistic, principal: Principal, period: rules.Period,
                  today: date) -> Counts:
    rows = (await session.execute(stat.query(principal, period, today))).all()
    out: Counts = {}
    for r in rows:
        code = age_band(int(r.category)) if stat.categories is rules.AGE_BANDS else str(r.category)
        key = (code, r.programme, r.branch, int(r.fy))
        out[key] = out.get(key, 0) + int(r.n)
    return out


def protect(counts: Sequence[Counts], categories: Sequence[Sequence[str]], axes: Axes, years: Sequence[int],
            threshold: int) -> list[Protected]:
    """Suppress each table per fiscal year; linked tables share their all-categories figures."""
    results: list[Protected] = [{} for _ in counts]
    for fy in years:
        shared: dict[CubeKey, Reason] = {}
        while True:
            cubes = []
            for cnt, cats in zip(counts, categories, strict=True):
                cells = {(c, p, b): n for (c, p, b, y), n in cnt.items() if y == fy}
                cubes.append(suppress_cube(cells, (cats, axes.programmes, axes.branches), threshold, shared))
            margin: dict[CubeKey, Reason] = {(None, p, b): cell.reason or "complementary"
                      for cube in cubes for (c, p, b), cell in cube.items() if c is None and cell.suppressed}
            if len(counts) == 1 or margin.keys() <= shared.keys():
                break
            shared = {**margin, **shared}
        for result, cube in zip(results, cubes, strict=True):
            result[fy] = cube
    return results


def _figure(cell: Cell) -> Figure:
    return Figure(value=cell.value, suppressed=cell.suppressed, reason=cell.reason)


def _labels(years: Sequence[int]) -> list[FiscalYearLabel]:
    return [FiscalYearLabel(fiscal_year=y, label_ja=rules.year_labels(y)[0], label_en=rules.year_labels(y)[1])
            for y in years]


def check_filters(axes: Axes, first: int | None, last: int | None, programme_code: str | None,
                  branch_code: str | None, today: date) -> Filters:
    period = rules.check_period(first, last, today)
    if not isinstance(period, rules.Period):
        raise Problem("validation", period)
    if programme_code is not None and programme_code not in axes.programmes:
        raise Problem("validation", msg("stats.unknown_programme", code=programme_code,
                                                allowed=sorted(axes.programmes)))
    if branch_code is not None and branch_code not in axes.branches:
        raise Problem("validation", msg("stats.unknown_branch", code=branch_code,
                                                allowed=sorted(axes.branches)))
    return Filters(period, programme_code, branch_code)


async def table(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal, name: str,
                threshold: int, *, fiscal_year_from: int | None, fiscal_year_to: int | None,
                programme_code: str | None, branch_code: str | None) -> StatTable:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    stat = STATISTICS[name]
    today = today_tokyo()
    async with reader() as session:
        axes = await _axes(session)
        filters = check_filters(axes, fiscal_year_from, fiscal_year_to, programme_code, branch_code, today)
        years = [fiscal_year(today)] if name == "episode-status" else filters.period.years
        period = rules.Period(years[0], years[-1])
        stats = [stat] + ([STATISTICS[LINKED[name]]] if name in LINKED else [])
        counts = [await _counts(session, s, principal, period, today) for s in stats]
    protected = protect(counts, [[c.code for c in s.categories] for s in stats], axes, years, threshold)[0]
    unit.audit("read", "statistics", subject=name,
               detail={"fiscal_years": [years[0], years[-1]], "programme_code": programme_code,
                       "branch_code": branch_code})

    def row(category: rules.Category | None, programme: str | None, branch: str | None) -> StatRow:
        label = category or rules.ALL
        return StatRow(category=category.code if category else None, programme_code=programme, branch_code=branch,
                       label_ja=label.ja, label_en=label.en,
                       figures=[_figure(protected[y][(category.code if category else None, programme, branch)])
                                for y in years])

    if name == "supported-persons":
        programmes = [programme_code] if programme_code else [*axes.programmes, None]
        branches = [branch_code] if branch_code else [*axes.branches, None]
        rows = [row(None, p, b) for p in programmes for b in branches if (p, b) != (programme_code, branch_code)]
    else:
        rows = [row(c, programme_code, branch_code) for c in stat.categories]
    total = row(None, programme_code, branch_code)
    return StatTable(statistic=name, unit=stat.unit, threshold=threshold, as_of=today,
                     programme_code=programme_code, branch_code=branch_code, fiscal_years=_labels(years),
                     rows=rows, total=total)


def workload_query(first: date, last: date) -> Any:
    """Visits and working days per worker from the trigger-kept summary (never the activity table)."""
    return (
        select(WorkerDayLoad.performer_id, func.sum(WorkerDayLoad.visits).label("visits"),
               func.count().filter(WorkerDayLoad.activities > 0).label("days"))
        .where(WorkerDayLoad.day >= first, WorkerDayLoad.day <= last)
        .group_by(WorkerDayLoad.performer_id)
    )


async def workload(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                   threshold: int, capacity: int, *, fiscal_year_from: int | None, fiscal_year_to: int | None,
                   branch_code: str | None) -> Workload:
    """Caseload per worker (clients, suppressed) and visits per working day against the capacity."""
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    async with reader() as session:
        axes = await _axes(session)
        filters = check_filters(axes, fiscal_year_from, fiscal_year_to, None, branch_code, today)
        first = fiscal_year_bounds(filters.period.first)[0]
        last = min(fiscal_year_bounds(filters.period.last)[1], today)
        caseload = dict((await session.execute(
            select(Episode.lead_worker_id, func.count(Episode.client_id.distinct()))
            .where(episodes_counted_for_statistics(principal), Episode.status.in_(["active", "on_hold"]),
                   Episode.lead_worker_id.is_not(None))
            .group_by(Episode.lead_worker_id))).all())
        load = {r.performer_id: r for r in (await session.execute(workload_query(first, last))).all()}
        ids = set(caseload) | set(load)
        users = (await session.scalars(select(UserAccount).where(UserAccount.id.in_(ids))
                                       .order_by(UserAccount.display_name, UserAccount.id))).all()
    # The caseload vector is suppressed over every worker; a branch filter only selects rows of it.
    keys = [str(u.id) for u in users]
    vector = suppress_vector({str(u.id): caseload.get(u.id, 0) for u in users}, threshold) if users else None
    workers = []
    for u, key in zip(users, keys, strict=True):
        if branch_code is not None and branch_code not in (u.branch_codes or []):
            continue
        row = load.get(u.id)
        visits, days = (int(row.visits), int(row.days)) if row else (0, 0)
        per_day = round(visits / days, 2) if days else None
        assert vector is not None
        workers.append(WorkerLoad(
            worker_id=u.id, name=u.display_name, role=u.role, branch_codes=list(u.branch_codes or []),
            active_caseload=_figure(vector.cells[key]), visits=visits, working_days=days,
            visits_per_working_day=per_day, capacity_use=round(per_day / capacity, 3) if per_day is not None else None))
    unit.audit("read", "statistics", subject="workload",
               detail={"fiscal_years": [filters.period.first, filters.period.last], "branch_code": branch_code})
    total = _figure(vector.total) if vector is not None and branch_code is None else None
    return Workload(threshold=threshold, as_of=today, daily_visit_capacity=capacity, branch_code=branch_code,
                    fiscal_years=_labels(filters.period.years), workers=workers, total_active_caseload=total)
