"""Dashboard statistics: counts from the read replica (or the primary), perturbed by the cell-key
method (api.domain.cell_key) and published as dated releases (api.services.stats_releases)."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, Select, case, cast, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import Client, Episode, EpisodeStatusChange, Programme, UserAccount, WorkerDayLoad
from api.db.scopes import episodes_counted_for_statistics
from api.db.unit import RequestUnit
from api.domain import statistics as rules
from api.domain.access_rules import Action, can, sees_worker_load
from api.domain.cell_key import Tally, publish, tally, with_margins
from api.domain.episode_transitions import RUNNING_STATUSES, STARTED_STATUSES, EpisodeStatus
from api.domain.fiscal import age_band, fiscal_year, fiscal_year_bounds, today_tokyo
from api.domain.principal import Principal
from api.messages import msg
from api.problems import Problem
from api.schemas.stats import BranchLoad, Figure, FiscalYearLabel, StatRow, StatTable, WorkerLoad, Workload
from api.services.consultations import staff_work
from api.services.guard import require
from api.services.stats_releases import Fresh, Release, release
from api.services.stats_releases import releases as release_years


@dataclass(frozen=True, slots=True)
class Protection:
    """The disclosure-control settings every statistic is published with (README)."""

    threshold: int
    bound: int
    snapshot_seconds: int


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
    release_of: str | None = None


def _fy_series(period: rules.Period) -> Any:
    return func.generate_series(period.first, period.last).column_valued("fy")


def _base(principal: Principal, category: Any, fy: Any, record: Any, key: Any) -> Select[Any]:
    """One row per counted record (person or episode) per cell: the cell's count and key sum come from these."""
    return (
        select(category.label("category"), Programme.code.label("programme"), Episode.branch_code.label("branch"),
               fy.label("fy"), record.label("record"), key.label("key"))
        .distinct()
        .select_from(Episode)
        .join(Programme, Programme.id == Episode.programme_id)
        .join(Client, Client.id == Episode.client_id)
        .where(episodes_counted_for_statistics(principal), Episode.started_on.is_not(None))
    )


def _persons(principal: Principal, category: Any, fy: Any) -> Select[Any]:
    return _base(principal, category, fy, Client.id, Client.stat_key)


def _episodes(principal: Principal, category: Any, fy: Any) -> Select[Any]:
    return _base(principal, category, fy, Episode.id, Episode.stat_key)


def _fiscal_year_of(day: Any) -> Any:
    # April–March: the fiscal year is the calendar year of the date three months earlier.
    return cast(func.date_part("year", cast(day - func.make_interval(0, 3), Date)), Integer)


def supported_persons_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Persons with an episode under way at any time in the fiscal year, by diagnosis group."""
    fy = _fy_series(period)
    return _persons(principal, func.coalesce(Client.diagnosis_group, "unknown"), fy).where(
        Episode.status.in_(sorted(STARTED_STATUSES)),
        Episode.started_on <= func.make_date(fy + 1, 3, 31),
        func.coalesce(Episode.ended_on, date.max) >= func.make_date(fy, 4, 1),
    )


def age_band_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Persons starting an episode in the fiscal year, by age at the start (10-year bands)."""
    fy = _fiscal_year_of(Episode.started_on)
    age = cast(func.date_part("year", func.age(Episode.started_on, Client.date_of_birth)), Integer)
    return _persons(principal, func.least(age // 10 * 10, 80), fy).where(
        Episode.status != EpisodeStatus.CANCELLED, fy.between(period.first, period.last))


def _closed(principal: Principal, period: rules.Period, category: Any) -> Select[Any]:
    fy = _fiscal_year_of(Episode.ended_on)
    return _episodes(principal, category, fy).where(
        Episode.status == EpisodeStatus.FINISHED, Episode.ended_on.is_not(None), fy.between(period.first, period.last))


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
    return _episodes(principal, state, literal(fiscal_year(today))).where(Episode.status.in_(sorted(RUNNING_STATUSES)))


# --- issue 18: ending support ---
def readmissions_query(principal: Principal, period: rules.Period, today: date) -> Select[Any]:
    """Readmissions to hospital during an episode (a hold recorded with readmission), in the fiscal year
    of the hold, by how far into the support they came. Each readmission counts once."""
    day = cast(func.timezone("Asia/Tokyo", EpisodeStatusChange.at), Date)
    fy = _fiscal_year_of(day)
    timing = case(
        (day <= Episode.started_on + func.make_interval(0, 6), "within_6_months"),
        (day <= Episode.started_on + func.make_interval(1), "within_1_year"),
        else_="later",
    )
    return (_base(principal, timing, fy, EpisodeStatusChange.id, Episode.stat_key)
            .join(EpisodeStatusChange, EpisodeStatusChange.episode_id == Episode.id)
            .where(EpisodeStatusChange.readmission.is_(True), fy.between(period.first, period.last)))


STATISTICS: Mapping[str, Statistic] = {
    s.name: s for s in (
        Statistic("supported-persons", "person supported in the fiscal year (per programme)",
                  rules.DIAGNOSIS_GROUPS, supported_persons_query),
        # The same figures as supported-persons (one release serves both), laid out by diagnosis group.
        Statistic("diagnosis-groups", "person supported in the fiscal year (per programme)",
                  rules.DIAGNOSIS_GROUPS, supported_persons_query, release_of="supported-persons"),
        Statistic("age-bands", "person starting support in the fiscal year (per programme)",
                  rules.AGE_BANDS, age_band_query),
        Statistic("support-durations", "episode closed in the fiscal year", rules.DURATION_BANDS, duration_query),
        Statistic("closure-reasons", "episode closed in the fiscal year", rules.CLOSURE_REASONS, closure_query),
        Statistic("episode-status", "episode active or on hold today", rules.EPISODE_STATES, episode_state_query),
        # --- issue 18: ending support ---
        Statistic("readmissions", "readmission during an episode in the fiscal year", rules.READMISSION_TIMING,
                  readmissions_query),
    )
}


_AXES = text("SELECT ARRAY(SELECT code FROM programme ORDER BY code) AS programmes, "
              "ARRAY(SELECT code FROM branch ORDER BY sort_order, code) AS branches")


async def _axes(session: AsyncSession) -> Axes:
    """The programme and branch codes a table runs over (one round trip: every table asks)."""
    row = (await session.execute(_AXES)).one()
    return Axes(list(row.programmes), list(row.branches))


async def _tallies(session: AsyncSession, stat: Statistic, principal: Principal, period: rules.Period,
                   today: date) -> dict[int, dict[tuple[str, str, str], Tally]]:
    records = stat.query(principal, period, today).subquery()
    rows = (await session.execute(
        select(records.c.category, records.c.programme, records.c.branch, records.c.fy,
               func.count().label("n"), func.sum(records.c.key).label("key"))
        .group_by(records.c.category, records.c.programme, records.c.branch, records.c.fy))).all()
    out: dict[int, dict[tuple[str, str, str], Tally]] = {y: {} for y in period.years}
    for r in rows:
        code = age_band(int(r.category)) if stat.categories is rules.AGE_BANDS else str(r.category)
        cells = out.setdefault(int(r.fy), {})
        cells[(code, r.programme, r.branch)] = cells.get((code, r.programme, r.branch), Tally()) + tally(
            int(r.n), int(r.key))
    return out


def cube_key(coordinates: Sequence[str | None]) -> str:
    return "|".join("*" if c is None else c for c in coordinates)


def publish_cube(leaves: Mapping[tuple[str, str, str], Tally], threshold: int, bound: int) -> Fresh:
    """Every cell and margin of one fiscal year's table, published by the cell-key rules."""
    cells = with_margins(leaves)
    return Fresh(leaves={cube_key(k): t.n for k, t in leaves.items()},
                 figures={cube_key(k): publish(t, threshold, bound).value for k, t in cells.items()})


def figure_of(value: int | None) -> Figure:
    return Figure(value=value, suppressed=value is None, reason="small" if value is None else None)


def _labels(releases: Mapping[int, Release]) -> list[FiscalYearLabel]:
    return [FiscalYearLabel(fiscal_year=y, label_ja=rules.year_labels(y)[0], label_en=rules.year_labels(y)[1],
                            as_of=r.released_on, final=r.final) for y, r in releases.items()]


def _year_labels(filters: Filters) -> list[FiscalYearLabel]:
    return [FiscalYearLabel(fiscal_year=y, label_ja=rules.year_labels(y)[0], label_en=rules.year_labels(y)[1])
            for y in filters.period.years]


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
                protection: Protection, *, fiscal_year_from: int | None, fiscal_year_to: int | None,
                programme_code: str | None, branch_code: str | None) -> StatTable:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    stat = STATISTICS[name]
    today = today_tokyo()
    # The axes (programme and branch codes) through the request's own connection: a second one from
    # the same pool per request starved the pool under load (every request holding one, waiting for
    # another).
    axes = await _axes(unit.session)
    filters = check_filters(axes, fiscal_year_from, fiscal_year_to, programme_code, branch_code, today)
    years = [fiscal_year(today)] if name == "episode-status" else filters.period.years

    # Counted on the reader, only when a release is (re)made, by the one request holding its lock.
    async def compute(fy: int) -> Fresh:
        async with reader() as session:
            by_year = await _tallies(session, stat, principal, rules.Period(fy, fy), today)
        return publish_cube(by_year.get(fy, {}), protection.threshold, protection.bound)

    releases = await release_years(unit, stat.release_of or name, years, today, protection.snapshot_seconds,
                                   protection.threshold, compute)
    unit.audit("read", "statistics", subject=name,
               detail={"fiscal_years": [years[0], years[-1]], "programme_code": programme_code,
                       "branch_code": branch_code})

    stamps = tuple((fy, r.stamp) for fy, r in releases.items())
    key = (name, tuple(years), programme_code, branch_code, protection, tuple(axes.programmes), tuple(axes.branches),
           stamps)
    if all(stamp is not None for _, stamp in stamps) and (built := _BUILT.get(key)) is not None:
        return built
    made = _build_table(name, stat, years, releases, axes, protection, programme_code, branch_code)
    if all(stamp is not None for _, stamp in stamps):
        _BUILT.put(key, made)
    return made


class _Recent:
    """The tables this worker built lately, keyed by everything a table is built from: the query,
    the axes and each release's stamp (a new release has a new stamp, so it is never answered from
    here). A dashboard asks the same few tables over and over; building one is ~200 pydantic objects."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, StatTable] = OrderedDict()

    def get(self, key: Any) -> StatTable | None:
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: Any, table: StatTable) -> None:
        self.items[key] = table
        if len(self.items) > self.size:
            self.items.popitem(last=False)


_BUILT = _Recent(256)


def _build_table(name: str, stat: Statistic, years: list[int], releases: dict[int, Release], axes: Axes,
                 protection: Protection, programme_code: str | None, branch_code: str | None) -> StatTable:
    def row(category: rules.Category | None, programme: str | None, branch: str | None) -> StatRow:
        label = category or rules.ALL
        at = cube_key((category.code if category else None, programme, branch))
        return StatRow(category=category.code if category else None, programme_code=programme, branch_code=branch,
                       label_ja=label.ja, label_en=label.en,
                       figures=[figure_of(releases[y].figures.get(at)) for y in years])

    if name == "supported-persons":
        programmes = [programme_code] if programme_code else [*axes.programmes, None]
        branches = [branch_code] if branch_code else [*axes.branches, None]
        rows = [row(None, p, b) for p in programmes for b in branches if (p, b) != (programme_code, branch_code)]
    else:
        rows = [row(c, programme_code, branch_code) for c in stat.categories]
    total = row(None, programme_code, branch_code)
    return StatTable(statistic=name, unit=stat.unit, threshold=protection.threshold, noise_bound=protection.bound,
                     as_of=max(r.released_on for r in releases.values()),
                     programme_code=programme_code, branch_code=branch_code, fiscal_years=_labels(releases),
                     rows=rows, total=total)


def workload_query(first: date, last: date) -> Any:
    """Visits and working days per worker from the trigger-kept summary (never the activity table)."""
    return (
        select(WorkerDayLoad.performer_id, func.sum(WorkerDayLoad.visits).label("visits"),
               func.count().filter(WorkerDayLoad.activities > 0).label("days"))
        .where(WorkerDayLoad.day >= first, WorkerDayLoad.day <= last)
        .group_by(WorkerDayLoad.performer_id)
    )


def caseload_query(principal: Principal) -> Select[Any]:
    """Clients with an active or on-hold episode, per lead worker and branch office, with their keys."""
    records = (
        select(Episode.lead_worker_id.label("worker"), Episode.branch_code.label("branch"),
               Client.id.label("record"), Client.stat_key.label("key"))
        .distinct()
        .join(Client, Client.id == Episode.client_id)
        .where(episodes_counted_for_statistics(principal), Episode.status.in_(sorted(RUNNING_STATUSES)),
               Episode.lead_worker_id.is_not(None))
    ).subquery()
    return (select(records.c.worker, records.c.branch, func.count().label("n"), func.sum(records.c.key).label("key"))
            .group_by(records.c.worker, records.c.branch))


def _load(visits: int, days: int, capacity: int) -> tuple[float | None, float | None]:
    per_day = round(visits / days, 2) if days else None
    return per_day, round(per_day / capacity, 3) if per_day is not None else None


async def workload(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                   protection: Protection, capacity: int, *, fiscal_year_from: int | None,
                   fiscal_year_to: int | None, branch_code: str | None) -> Workload:
    """Caseload (clients, perturbed) and visits per working day against the capacity, per branch office;
    per named worker only for a supervisor, and only for workers of the supervisor's own branches."""
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    per_worker = can(principal, Action.workload_per_worker_read) is None
    axes = await _axes(unit.session)  # on the request's connection: see `table`
    filters = check_filters(axes, fiscal_year_from, fiscal_year_to, None, branch_code, today)
    first = fiscal_year_bounds(filters.period.first)[0]
    last = min(fiscal_year_bounds(filters.period.last)[1], today)

    async def compute() -> Fresh:
        async with reader() as session:
            leaves = {(str(r.worker), r.branch): tally(int(r.n), int(r.key))
                      for r in (await session.execute(caseload_query(principal))).all()}
        cells = with_margins(leaves)
        return Fresh(leaves={cube_key(k): t.n for k, t in leaves.items()},
                     figures={cube_key(k): publish(t, protection.threshold, protection.bound).value
                              for k, t in cells.items()})

    caseload = await release(unit, "caseload", fiscal_year(today), today, protection.snapshot_seconds,
                             protection.threshold, compute)
    async with reader() as session:
        load = {r.performer_id: r for r in (await session.execute(workload_query(first, last))).all()}
        off_record = await staff_work(session, first, last)  # issue 18: staff work tied to no client
        users = (await session.scalars(select(UserAccount).where(UserAccount.id.in_(set(load) | set(off_record)))
                                       .order_by(UserAccount.display_name, UserAccount.id))).all()
        if per_worker:
            led = {k.split("|")[0] for k in caseload.figures if not k.startswith("*")}
            staff = (await session.scalars(select(UserAccount).where(UserAccount.id.in_(
                [u.id for u in users] + [uuid.UUID(w) for w in led])).order_by(UserAccount.display_name, UserAccount.id)
            )).all()
        else:
            staff = []
    work = {u.id: (int(load[u.id].visits), int(load[u.id].days)) if u.id in load else (0, 0) for u in users}
    branches = []
    for code in [branch_code] if branch_code else axes.branches:
        # Visits and working days are staff work, not people: summed over the branch's workers.
        visits = sum(v for u in users for v in [work[u.id][0]] if code in (u.branch_codes or []))
        days = sum(d for u in users for d in [work[u.id][1]] if code in (u.branch_codes or []))
        per_day, use = _load(visits, days, capacity)
        extra = [off_record.get(u.id, (0, 0)) for u in users if code in (u.branch_codes or [])]
        branches.append(BranchLoad(branch_code=code, active_caseload=figure_of(caseload.figures.get(f"*|{code}")),
                                   visits=visits, working_days=days, visits_per_working_day=per_day,
                                   capacity_use=use, staff_activities=sum(n for n, _ in extra),
                                   staff_activity_minutes=sum(m for _, m in extra)))
    workers = []
    for u in staff:
        codes = list(u.branch_codes or [])
        if not sees_worker_load(principal, codes) or (branch_code is not None and branch_code not in codes):
            continue
        visits, days = work.get(u.id, (0, 0))
        per_day, use = _load(visits, days, capacity)
        workers.append(WorkerLoad(
            worker_id=u.id, name=u.display_name, role=u.role, branch_codes=codes,
            active_caseload=figure_of(caseload.figures.get(f"{u.id}|*")), visits=visits, working_days=days,
            visits_per_working_day=per_day, capacity_use=use, staff_activities=off_record.get(u.id, (0, 0))[0],
            staff_activity_minutes=off_record.get(u.id, (0, 0))[1]))
    unit.audit("read", "statistics", subject="workload",
               detail={"fiscal_years": [filters.period.first, filters.period.last], "branch_code": branch_code,
                       "per_worker": per_worker})
    return Workload(threshold=protection.threshold, noise_bound=protection.bound, as_of=caseload.released_on,
                    daily_visit_capacity=capacity, branch_code=branch_code, fiscal_years=_year_labels(filters),
                    branches=branches, workers=workers,
                    total_active_caseload=figure_of(caseload.figures.get("*|*")))
