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

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import text

from api.db.unit import RequestUnit
from api.domain.fiscal import fiscal_year_bounds
from api.messages import msg
from api.problems import Problem

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
    # When the stored release was written (None for one made by this request): what a worker may
    # key anything built from the figures on, since the figures change only with it.
    stamp: datetime | None = None


# The true counts (`leaves`) stay in the database unless a release is being remade: most reads only answer.
_READ = text("SELECT key, payload - 'leaves' AS payload, computed_at, "
             "computed_at > now() - make_interval(secs => :age) AS young "
             "FROM stats_snapshot WHERE key = ANY(:keys)")
_LEAVES = text("SELECT payload -> 'leaves' FROM stats_snapshot WHERE key = :key")
# Held until the request commits, i.e. until the release it makes is visible to the others.
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(7102, hashtext(:key))")
_STORE = text(
    "INSERT INTO stats_snapshot (key, computed_at, payload) VALUES (:key, now(), CAST(:payload AS jsonb)) "
    "ON CONFLICT (key) DO UPDATE SET computed_at = excluded.computed_at, payload = excluded.payload"
)
# How often a request that found no release at all looks again while another computes the first,
# and for how long before it answers 503 rather than hold the caller.
_POLL_S = 0.05
_WAIT_S = 30.0


def changed_records(before: Mapping[str, int], after: Mapping[str, int]) -> int:
    return sum(abs(after.get(k, 0) - before.get(k, 0)) for k in before.keys() | after.keys())


def _key(name: str, fy: int) -> str:
    return f"release:{name}:{fy}"


async def _read(unit: RequestUnit, keys: Sequence[str], min_age_s: int) -> dict[str, Any]:
    rows = (await unit.session.execute(_READ, {"keys": list(keys), "age": max(min_age_s, 0)})).all()
    return {row.key: row for row in rows}


async def release(unit: RequestUnit, name: str, fy: int, today: date, min_age_s: int, threshold: int,
                  compute: Callable[[], Awaitable[Fresh]]) -> Release:
    """The release of one statistic for one fiscal year, made or replaced under the rules above."""
    return (await releases(unit, name, [fy], today, min_age_s, threshold, lambda _: compute()))[fy]


async def releases(unit: RequestUnit, name: str, years: Sequence[int], today: date, min_age_s: int, threshold: int,
                   compute: Callable[[int], Awaitable[Fresh]]) -> dict[int, Release]:
    """`release` for several fiscal years, the standing ones read in one statement (a dashboard
    asks for three years at every refresh). May commit and hand the request's connection back to the
    pool while it waits for another request's first release: call it before the request writes
    anything of its own (the audit rows are the unit's, written when it commits)."""
    standing = await _read(unit, [_key(name, fy) for fy in years], min_age_s)
    made: dict[int, Release] = {}
    for fy in years:
        key = _key(name, fy)
        row = standing.get(key)
        if row is not None:
            current = _release_of(row.payload, row.computed_at)
            if current.final or (row.young and min_age_s > 0):
                made[fy] = current
                continue
            if not await unit.session.scalar(_TRY_LOCK, {"key": key}):
                # Single flight: another request (any worker, any instance) is making the next release;
                # this one answers the standing release instead of computing it a second time.
                made[fy] = current
                continue
        else:
            first = await _first_release(unit, key, min_age_s)
            if first is not None:
                made[fy] = first
                continue
        made[fy] = await _make(unit, key, row, fy, today, threshold, compute)
    return made


async def _first_release(unit: RequestUnit, key: str, min_age_s: int) -> Release | None:
    """Nothing to answer yet. Either this request takes the lock (None: it computes the first
    release), or another is computing it: then wait for that one's, without holding a pooled
    connection meanwhile (the computing request needs one to count on, and a full pool of waiters
    blocked on the lock would starve it until the pool timed out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _WAIT_S
    while True:
        if await unit.session.scalar(_TRY_LOCK, {"key": key}):
            row = (await _read(unit, [key], min_age_s)).get(key)  # made while we asked for the lock?
            return None if row is None else _release_of(row.payload, row.computed_at)
        # The connection goes back to the pool while we wait; a release this request already made
        # for another year (and its lock) is committed rather than lost.
        await unit.session.commit()
        if loop.time() > deadline:
            raise Problem("unavailable", msg("stats.release_pending"), headers={"Retry-After": "5"})
        await asyncio.sleep(_POLL_S)
        row = (await _read(unit, [key], min_age_s)).get(key)
        if row is not None:
            return _release_of(row.payload, row.computed_at)


def _release_of(stored: Mapping[str, Any], stamp: datetime | None = None) -> Release:
    return Release(date.fromisoformat(stored["released_on"]), stored["final"], stored["figures"], stamp)


async def _make(unit: RequestUnit, key: str, row: Any, fy: int, today: date, threshold: int,
                compute: Callable[[int], Awaitable[Fresh]]) -> Release:
    """Compute the year's figures (this request holds the key's lock) and store the release."""
    closed = today > fiscal_year_bounds(fy)[1]
    fresh = await compute(fy)
    leaves = None if row is None else await unit.session.scalar(_LEAVES, {"key": key})
    if leaves is not None and changed_records(leaves, fresh.leaves) < threshold:
        # Too few changes to publish: the release stands (checked again after the interval), and
        # once the year has closed it stands as the year's final one.
        current = _release_of(row.payload)
        current = Release(current.released_on, closed, current.figures)
        await _store(unit, key, current, leaves)
        return current
    made = Release(today, closed, fresh.figures)
    await _store(unit, key, made, fresh.leaves)
    return made


async def _store(unit: RequestUnit, key: str, made: Release, leaves: Mapping[str, int]) -> None:
    payload = {"released_on": made.released_on.isoformat(), "final": made.final, "figures": made.figures,
               "leaves": dict(leaves)}
    await unit.session.execute(_STORE, {"key": key, "payload": orjson.dumps(payload).decode()})
