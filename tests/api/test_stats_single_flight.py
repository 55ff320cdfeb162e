"""Dashboard without stampedes (issue 17, Deliver 4): while one request is making the next release
of a statistic, every other request answers the standing release instead of computing it again."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

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
