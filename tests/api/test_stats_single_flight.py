"""Dashboard without stampedes (issue 17, Deliver 4): while one request is making the next release
of a statistic, every other request answers the standing release instead of computing it again."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.config import Settings
from api.db.engine import create_engine
from api.db.unit import RequestUnit
from api.services.stats_releases import Fresh, Release, release


async def test_a_stale_release_is_recomputed_by_one_request_only(engine: AsyncEngine) -> None:
    name = f"single-flight-{uuid.uuid4().hex[:8]}"
    key = f"release:{name}:2010"
    calls: list[int] = []
    maker = async_sessionmaker(engine, expire_on_commit=False)

    async def compute() -> Fresh:
        calls.append(1)
        return Fresh(leaves={"a": len(calls) * 10}, figures={"n": len(calls)})

    async def request(day: int) -> Release:
        async with maker() as session:  # one request: its own transaction, committed at the end
            made = await release(RequestUnit(session=session, context={}), name, 2010, date(2010, 7, day), 0, 1,
                                 compute)
            await session.commit()
            return made

    try:
        assert ((await request(21)).figures, calls) == ({"n": 1}, [1])
        # Another worker is making the next release (it holds the key's lock): answer the standing one.
        async with engine.connect() as other:
            await other.execute(text("SELECT pg_advisory_lock(7102, hashtext(:key))"), {"key": key})
            try:
                standing = await request(22)
            finally:
                await other.execute(text("SELECT pg_advisory_unlock_all()"))
        assert (standing.figures, calls) == ({"n": 1}, [1])
        # Nobody refreshing it: the next request makes the new release.
        assert ((await request(23)).figures, len(calls)) == ({"n": 2}, 2)
    finally:
        async with engine.begin() as c:
            await c.execute(text("DELETE FROM stats_snapshot WHERE key = :key"), {"key": key})


async def test_requests_waiting_for_a_first_release_leave_the_pool_to_the_one_computing_it(
        database_url: str) -> None:
    """Nothing released yet and more callers than pooled connections: the one computing the release
    counts on a second connection of the same pool (the reader, when no replica is configured), so
    the others must not sit on theirs while they wait (a pool of waiters starved it until the pool
    timed out: the dashboard answered 6 requests a second at one worker, with errors)."""
    settings = Settings(database_url=database_url, db_pool_size=3, db_max_overflow=0, db_connect_timeout_s=3)
    small = create_engine(database_url, settings)
    maker = async_sessionmaker(small, expire_on_commit=False)
    name = f"first-release-{uuid.uuid4().hex[:8]}"
    calls: list[int] = []

    async def compute() -> Fresh:
        calls.append(1)
        async with maker() as reader:  # counted on another connection of the same pool
            await reader.execute(text("SELECT pg_sleep(0.3)"))
        return Fresh(leaves={"a": 10}, figures={"n": 7})

    async def request() -> Release:
        async with maker() as session:
            made = await release(RequestUnit(session=session, context={}), name, 2010, date(2010, 7, 1), 3600, 1,
                                 compute)
            await session.commit()
            return made

    try:
        answers = await asyncio.wait_for(asyncio.gather(*(request() for _ in range(8))), timeout=20)
        assert [a.figures for a in answers] == [{"n": 7}] * 8
        assert calls == [1], "the first release is computed once"
    finally:
        async with small.begin() as c:
            await c.execute(text("DELETE FROM stats_snapshot WHERE key = :key"), {"key": f"release:{name}:2010"})
        await small.dispose()
