"""Cumulative statistics over a range of fiscal years (「平成19年度の事業開始から現在までの支援者」).

A range is its own population: the persons supported at any time in it, each counted once per
programme × branch however many of its years they were supported in. The whole programme × branch
table of a range, with every margin, is ONE release (api.services.stats_releases) perturbed by the
cell-key method on those persons' keys (api.domain.cell_key), exactly as the yearly tables are. So a
range's cell is a cell like any other: its noise is a fixed function of the persons it counts, it is
independent of the noise of each year's cell, and since a person supported in two years is in the
range once, a range minus its years is neither a count nor a perturbed count of anyone
(tests/api/test_stats_attack.py runs the analyst's attack with every range collected)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.db.models import Client, Episode, Programme
from api.db.scopes import episodes_counted_for_statistics
from api.db.unit import RequestUnit
from api.domain import statistics as rules
from api.domain.access_rules import Action
from api.domain.cell_key import Tally, publish, tally, with_margins
from api.domain.fiscal import fiscal_year, today_tokyo
from api.domain.principal import Principal
from api.schemas.stats import FiscalYearLabel
from api.schemas.stats_cumulative import CumulativeRow, CumulativeTable
from api.services.guard import require
from api.services.stats import Filters, Protection, _axes, check_filters, cube_key, figure_of
from api.services.stats_releases import Fresh, release

NAME = "cumulative-persons"
UNIT = "person supported at any time in the range of fiscal years (once per programme)"


def cumulative_persons_query(principal: Principal, first: int, last: int) -> Select[str, str, uuid.UUID, int]:
    """Persons with an episode under way at any time from April of `first` to March of `last + 1`:
    one row per person per programme × branch, with the person's key."""
    return (
        select(Programme.code.label("programme"), Episode.branch_code.label("branch"),
               Client.id.label("record"), Client.stat_key.label("key"))
        .distinct()
        .select_from(Episode)
        .join(Programme, Programme.id == Episode.programme_id)
        .join(Client, Client.id == Episode.client_id)
        .where(episodes_counted_for_statistics(principal), Episode.started_on.is_not(None),
               Episode.status.in_(["active", "on_hold", "finished"]),
               Episode.started_on <= date(last + 1, 3, 31),
               func.coalesce(Episode.ended_on, date.max) >= date(first, 4, 1))
    )


async def cumulative_tallies(session: AsyncSession, principal: Principal, first: int, last: int
                             ) -> dict[tuple[str, str], Tally]:
    """The true leaves of a range's table: distinct persons and their key sum per programme × branch."""
    records = cumulative_persons_query(principal, first, last).subquery()
    rows = (await session.execute(
        select(records.c.programme, records.c.branch, func.count().label("n"), func.sum(records.c.key).label("key"))
        .group_by(records.c.programme, records.c.branch))).all()
    return {(r.programme, r.branch): tally(int(r.n), int(r.key)) for r in rows}


def publish_table(leaves: Mapping[tuple[str, str], Tally], threshold: int, bound: int) -> Fresh:
    cells = with_margins(leaves)
    return Fresh(leaves={cube_key(k): t.n for k, t in leaves.items()},
                 figures={cube_key(k): publish(t, threshold, bound).value for k, t in cells.items()})


def _label(fy: int) -> FiscalYearLabel:
    ja, en = rules.year_labels(fy)
    return FiscalYearLabel(fiscal_year=fy, label_ja=ja, label_en=en)


def _default_range(first: int | None, last: int | None, today: date) -> tuple[int, int]:
    """Without years: since the programmes began (FY2007) up to the current year, at most the cap."""
    current = fiscal_year(today)
    last = last if last is not None else current
    if first is None:
        first = max(rules.FIRST_FISCAL_YEAR, min(last, current) - rules.MAX_YEARS_PER_REQUEST + 1)
    return first, last


async def table(unit: RequestUnit, reader: async_sessionmaker[AsyncSession], principal: Principal,
                protection: Protection, *, fiscal_year_from: int | None, fiscal_year_to: int | None,
                programme_code: str | None, branch_code: str | None) -> CumulativeTable:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    today = today_tokyo()
    axes = await _axes(unit.session)  # on the request's connection: see `table`
    first, last = _default_range(fiscal_year_from, fiscal_year_to, today)
    filters: Filters = check_filters(axes, first, last, programme_code, branch_code, today)
    period = filters.period

    async def compute() -> Fresh:
        async with reader() as session:
            leaves = await cumulative_tallies(session, principal, period.first, period.last)
        return publish_table(leaves, protection.threshold, protection.bound)

    # One release per range: the key names both ends, so each range is published (and kept final) whole.
    made = await release(unit, f"{NAME}-{period.first}", period.last, today, protection.snapshot_seconds,
                         protection.threshold, compute)
    unit.audit("read", "statistics", subject=NAME,
               detail={"fiscal_years": [period.first, period.last], "programme_code": programme_code,
                       "branch_code": branch_code})

    def row(programme: str | None, branch: str | None) -> CumulativeRow:
        return CumulativeRow(programme_code=programme, branch_code=branch, label_ja=rules.ALL.ja,
                             label_en=rules.ALL.en, figure=figure_of(made.figures.get(cube_key((programme, branch)))))

    programmes = [programme_code] if programme_code else [*axes.programmes, None]
    branches = [branch_code] if branch_code else [*axes.branches, None]
    rows = [row(p, b) for p in programmes for b in branches if (p, b) != (programme_code, branch_code)]
    first_label, last_label = _label(period.first), _label(period.last)
    return CumulativeTable(
        statistic=NAME, unit=UNIT, threshold=protection.threshold, noise_bound=protection.bound,
        as_of=made.released_on, final=made.final, first=first_label, last=last_label,
        label_ja=f"{first_label.label_ja}〜{last_label.label_ja}", label_en=f"FY{period.first}–FY{period.last}",
        programme_code=programme_code, branch_code=branch_code, rows=rows, total=row(programme_code, branch_code))
