"""Request rate limits per principal and per address, counted in fixed one-minute windows.

The counters live in PostgreSQL (`rate_counter`, shared by every worker and replica) or, when
REDIS_URL is set, in Redis. The hot path never waits for them: each worker counts locally and
adds its counts to the shared store in one statement at most every RATE_LIMIT_SYNC_INTERVAL_S,
reading back every window's total across workers. A worker therefore decides on totals at most
one interval old; with W workers a limit can be overshot by what W workers admit in one
interval. RATE_LIMIT_SYNC_INTERVAL_S=0 counts in the store on every request and decides on its
totals (exact across workers, one round trip per request).
If the store is unreachable the limiter keeps counting locally and retries: a database outage
must not turn into refusals by the limiter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from api.db import rate_counters

log = logging.getLogger("api.rate_limit")

WINDOW_S = 60
Key = tuple[str, int]  # (bucket, window start in Unix seconds)


class CounterStore(Protocol):
    async def add(self, counts: Mapping[Key, int], window_s: int) -> dict[Key, int]: ...

    async def close(self) -> None: ...


class PostgresCounterStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._syncs = 0

    async def add(self, counts: Mapping[Key, int], window_s: int) -> dict[Key, int]:
        async with self.engine.connect() as conn:
            totals = await rate_counters.add_many(conn, counts, window_s)
            self._syncs += 1
            if self._syncs % 600 == 0:  # about every ten minutes per worker at the default interval
                await rate_counters.purge_expired(conn)
            await conn.commit()
        return totals

    async def close(self) -> None:
        return None


class RedisCounterStore:
    """INCRBY + EXPIRE per window key, pipelined: one round trip per sync, like the PostgreSQL store."""

    def __init__(self, url: str) -> None:
        try:
            import redis.asyncio as redis_asyncio  # optional: only needed when REDIS_URL is set
        except ImportError as exc:
            raise SystemExit("REDIS_URL is set but the redis package is not installed: "
                             "pip install 'setagaya-transition-api[redis]'") from exc
        self.client: Any = redis_asyncio.from_url(url)

    async def add(self, counts: Mapping[Key, int], window_s: int) -> dict[Key, int]:
        keys = sorted(counts)
        pipe = self.client.pipeline(transaction=False)
        for bucket, start in keys:
            name = f"iko:rl:{bucket}:{start}"
            pipe.incrby(name, counts[(bucket, start)])
            pipe.expire(name, window_s * 2)
        results = await pipe.execute()
        return {key: int(results[2 * i]) for i, key in enumerate(keys)}

    async def close(self) -> None:
        await self.client.aclose()


class RateLimiter:
    def __init__(self, store: CounterStore, *, sync_interval_s: float = 1.0, window_s: int = WINDOW_S) -> None:
        self.store = store
        self.window_s = window_s
        self.sync_interval_s = sync_interval_s
        self._known: dict[Key, int] = {}  # totals across workers, as of the last sync
        self._pending: dict[Key, int] = {}  # counted here since the last sync
        self._in_flight: dict[Key, int] = {}  # being added to the store right now
        self._last_sync = 0.0
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def hit(self, buckets: Sequence[tuple[str, int]]) -> int | None:
        """Count one request against each (bucket, limit). None: go ahead; else seconds to wait.
        A refused request is not counted, so a client that waits as told gets through."""
        now = time.time()
        start = int(now // self.window_s) * self.window_s
        retry_after = max(1, math.ceil(start + self.window_s - now))
        if self.sync_interval_s <= 0:
            exact = await self._hit_exact(buckets, start)
            if exact is not None:
                return retry_after if exact else None
        for bucket, limit in buckets:
            key = (bucket, start)
            if self._known.get(key, 0) + self._in_flight.get(key, 0) + self._pending.get(key, 0) >= limit:
                return retry_after
        for bucket, _ in buckets:
            key = (bucket, start)
            self._pending[key] = self._pending.get(key, 0) + 1
        # After counting, so that other workers see this request as soon as the sync is done.
        await self._maybe_sync()
        return None

    async def _hit_exact(self, buckets: Sequence[tuple[str, int]], start: int) -> bool | None:
        """Count in the store first and decide on its totals: True refused, False allowed, None when
        the store is unreachable (then the local count decides)."""
        counts = {(bucket, start): 1 for bucket, _ in buckets}
        try:
            totals = await self.store.add(counts, self.window_s)
        except Exception:
            log.warning("rate counters unreachable; counting locally", exc_info=True)
            return None
        self._known.update(totals)
        if all(totals.get((bucket, start), 0) <= limit for bucket, limit in buckets):
            return False
        with contextlib.suppress(Exception):  # a refused request is not counted
            totals = await self.store.add({k: -1 for k in counts}, self.window_s)
            self._known.update(totals)
        return True

    async def _maybe_sync(self) -> None:
        if self.sync_interval_s <= 0:
            return
        due = time.monotonic() - self._last_sync >= self.sync_interval_s
        if due and (self._task is None or self._task.done()):
            # In the background: no request waits for the store, not even when it hangs.
            self._last_sync = time.monotonic()
            self._task = asyncio.create_task(self._locked_sync())

    async def _locked_sync(self) -> None:
        async with self._lock:
            await self.sync()

    async def sync(self) -> None:
        self._last_sync = time.monotonic()
        current = int(time.time() // self.window_s) * self.window_s
        # Only the current window matters from here on: memory stays bounded by one minute's buckets.
        self._known = {k: v for k, v in self._known.items() if k[1] >= current}
        pending, self._pending = self._pending, {}
        pending = {k: v for k, v in pending.items() if k[1] >= current - self.window_s}
        if not pending:
            return
        self._in_flight = pending
        try:
            totals = await self.store.add(pending, self.window_s)
        except Exception:
            log.warning("rate counters not synced; counting locally until the store answers", exc_info=True)
            for key, n in pending.items():
                self._pending[key] = self._pending.get(key, 0) + n
            return
        finally:
            self._in_flight = {}
        for key, total in totals.items():
            # What this worker counted while the statement ran stays pending on top of the total.
            self._known[key] = total

    async def close(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        async with self._lock:
            await self.sync()
        await self.store.close()
