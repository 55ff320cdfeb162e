"""Statistics are published as dated releases, never computed from the live tables per request.

One release per statistic and fiscal year is kept in PostgreSQL (table ``stats_snapshot``, shared
by every worker and replica): the published, already perturbed figures, the date they describe,
and, for the next comparison only, the true counts of the finest cells (never served). A release
is replaced only when

* it is older than STATS_SNAPSHOT_SECONDS (a day by default), and
* at least `threshold` counted records changed since it was made (the sum over the finest cells
  of how much each count moved),

so two pulls around one new client get the same answer, and no two successive releases differ by
fewer than `threshold` people. A fiscal year whose release was made after the year closed is
final: it never changes again (late corrections included), so closed years cannot be differenced
or re-drawn. Every read is still authorised and audited; releases only decide which figures exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import text

from api.db.unit import RequestUnit
from api.domain.fiscal import fiscal_year_bounds

Figures = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fresh:
    """What a computation produces: the true counts of the finest cells and the published figures."""

    leaves: Mapping[str, int]
    figures: Figures


@dataclass(frozen=True, slots=True)
class Release:
    released_on: date
    final: bool
    figures: Figures


_READ = text("SELECT payload, computed_at > now() - make_interval(secs => :age) AS young "
             "FROM stats_snapshot WHERE key = :key")
# Held until the request commits, i.e. until the release it makes is visible to the others.
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(7102, hashtext(:key))")
_LOCK = text("SELECT pg_advisory_xact_lock(7102, hashtext(:key))")
_STORE = text(
    "INSERT INTO stats_snapshot (key, computed_at, payload) VALUES (:key, now(), CAST(:payload AS jsonb)) "
    "ON CONFLICT (key) DO UPDATE SET computed_at = excluded.computed_at, payload = excluded.payload"
)


def changed_records(before: Mapping[str, int], after: Mapping[str, int]) -> int:
    return sum(abs(after.get(k, 0) - before.get(k, 0)) for k in before.keys() | after.keys())


async def release(unit: RequestUnit, name: str, fy: int, today: date, min_age_s: int, threshold: int,
                  compute: Callable[[], Awaitable[Fresh]]) -> Release:
    """The release of one statistic for one fiscal year, made or replaced under the rules above."""
    key = f"release:{name}:{fy}"
    row = (await unit.session.execute(_READ, {"key": key, "age": max(min_age_s, 0)})).first()
    closed = today > fiscal_year_bounds(fy)[1]
    if row is not None:
        stored = row.payload
        current = Release(date.fromisoformat(stored["released_on"]), stored["final"], stored["figures"])
        if current.final or (row.young and min_age_s > 0):
            return current
        if not await unit.session.scalar(_TRY_LOCK, {"key": key}):
            # Single flight: another request (any worker, any instance) is making the next release;
            # this one answers the standing release instead of computing it a second time.
            return current
    else:
        # Nothing to answer yet: wait for whoever is computing the first release, then take it.
        await unit.session.execute(_LOCK, {"key": key})
        again = (await unit.session.execute(_READ, {"key": key, "age": max(min_age_s, 0)})).first()
        if again is not None:
            stored = again.payload
            return Release(date.fromisoformat(stored["released_on"]), stored["final"], stored["figures"])
    fresh = await compute()
    if row is not None and changed_records(row.payload["leaves"], fresh.leaves) < threshold:
        # Too few changes to publish: the release stands (checked again after the interval), and
        # once the year has closed it stands as the year's final one.
        current = Release(current.released_on, closed, current.figures)
        await _store(unit, key, current, row.payload["leaves"])
        return current
    made = Release(today, closed, fresh.figures)
    await _store(unit, key, made, fresh.leaves)
    return made


async def _store(unit: RequestUnit, key: str, made: Release, leaves: Mapping[str, int]) -> None:
    payload = {"released_on": made.released_on.isoformat(), "final": made.final, "figures": made.figures,
               "leaves": dict(leaves)}
    await unit.session.execute(_STORE, {"key": key, "payload": orjson.dumps(payload).decode()})
