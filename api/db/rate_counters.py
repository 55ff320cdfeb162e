"""Fixed-window counters in PostgreSQL, so limits hold across workers and restarts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from api.db.models import RateCounter

_BUMP = text(
    """
    INSERT INTO rate_counter (bucket, window_start, count, expires_at)
    VALUES (:bucket, to_timestamp(floor(extract(epoch FROM now()) / :w) * :w), 1,
            to_timestamp(floor(extract(epoch FROM now()) / :w) * :w) + make_interval(secs => :w))
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counter.count + 1
    RETURNING count, extract(epoch FROM (expires_at - now()))::int AS retry_after
    """
)
_READ = text(
    """
    SELECT count, extract(epoch FROM (expires_at - now()))::int AS retry_after FROM rate_counter
    WHERE bucket = :bucket AND window_start = to_timestamp(floor(extract(epoch FROM now()) / :w) * :w)
    """
)


async def bump(session: AsyncSession, bucket: str, window_s: int) -> tuple[int, int]:
    """Count one more event in the current window; returns (count, seconds until the window ends)."""
    row = (await session.execute(_BUMP, {"bucket": bucket, "w": window_s})).one()
    return int(row[0]), max(1, int(row[1]))


async def current(session: AsyncSession, bucket: str, window_s: int) -> tuple[int, int]:
    row = (await session.execute(_READ, {"bucket": bucket, "w": window_s})).one_or_none()
    if row is None:
        return 0, 0
    return int(row[0]), max(1, int(row[1]))


async def reset(session: AsyncSession, bucket: str) -> None:
    await session.execute(delete(RateCounter).where(RateCounter.bucket == bucket))


async def purge_expired(session: AsyncSession | AsyncConnection) -> None:
    await session.execute(delete(RateCounter).where(RateCounter.expires_at < datetime.now(UTC) - timedelta(hours=1)))


_ADD_MANY = text(
    """
    INSERT INTO rate_counter (bucket, window_start, count, expires_at)
    SELECT t.bucket, to_timestamp(t.start), t.n, to_timestamp(t.start) + make_interval(secs => :w)
    FROM unnest(CAST(:buckets AS varchar[]), CAST(:starts AS bigint[]), CAST(:counts AS int[])) AS t(bucket, start, n)
    ORDER BY t.bucket, t.start
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counter.count + EXCLUDED.count
    RETURNING bucket, extract(epoch FROM window_start)::bigint AS start, count
    """
)


async def add_many(conn: AsyncConnection, counts: Mapping[tuple[str, int], int],
                   window_s: int) -> dict[tuple[str, int], int]:
    """Add several (bucket, window start in Unix seconds) → n in one statement; returns each
    window's total across every worker. Sorted, so two workers never lock rows in opposite orders."""
    keys = sorted(counts)
    rows = await conn.execute(
        _ADD_MANY,
        {"buckets": [b for b, _ in keys], "starts": [s for _, s in keys], "counts": [counts[k] for k in keys],
         "w": window_s},
    )
    return {(str(bucket), int(start)): int(total) for bucket, start, total in rows}
