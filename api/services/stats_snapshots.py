"""Statistics are ward-wide and the same for every reader, and computing one (queries plus
suppression of the whole cube) costs ~0.2 s of CPU: answers are kept as snapshots in PostgreSQL
for STATS_SNAPSHOT_SECONDS, shared by every worker and replica (the service keeps no state of its
own). Every read is still authorised and audited; a snapshot only saves the computation.

Refresh is single-flight across workers and instances: when a snapshot has expired, the one request
that gets the key's advisory lock recomputes it while every other is answered the previous snapshot
(its age is in the audit row's detail); only when there is no snapshot at all do the others wait for
the one being computed instead of computing it again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from sqlalchemy import text

from api.db.unit import RequestUnit
from api.domain.access_rules import Action
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.services.guard import require

M = TypeVar("M", bound=BaseModel)

_LATEST = text(
    "SELECT payload, extract(epoch FROM now() - computed_at) AS age_s FROM stats_snapshot WHERE key = :key"
)
# Held until the request's transaction ends, i.e. until the new snapshot is committed.
_TRY_REFRESH = text("SELECT pg_try_advisory_xact_lock(7102, hashtext(:key))")
_WAIT_REFRESH = text("SELECT pg_advisory_xact_lock(7102, hashtext(:key))")
_STORE = text(
    "INSERT INTO stats_snapshot (key, computed_at, payload) VALUES (:key, now(), CAST(:payload AS jsonb)) "
    "ON CONFLICT (key) DO UPDATE SET computed_at = excluded.computed_at, payload = excluded.payload"
)


async def snapshot(unit: RequestUnit, principal: Principal, max_age_s: int, model: type[M], name: str,
                   params: dict[str, Any], compute: Callable[[], Awaitable[M]]) -> M:
    require(unit, principal, Action.statistics_read, resource_type="statistics")
    if max_age_s <= 0:
        return await compute()
    # "today" is part of the key: figures as of yesterday are never served as today's.
    key = name + ":" + orjson.dumps({**params, "as_of": today_tokyo().isoformat()},
                                    option=orjson.OPT_SORT_KEYS).decode()
    key = key[:300]
    latest = (await unit.session.execute(_LATEST, {"key": key})).first()
    if latest is None or latest.age_s > max_age_s:
        refresher = bool(await unit.session.scalar(_TRY_REFRESH, {"key": key}))
        if not refresher and latest is None:
            await unit.session.execute(_WAIT_REFRESH, {"key": key})  # the first one ever is being computed
            latest = (await unit.session.execute(_LATEST, {"key": key})).first()
            refresher = latest is None  # its computation failed: this request does it
        elif refresher:  # a refresher may have committed between the read and the lock
            latest = (await unit.session.execute(_LATEST, {"key": key})).first()
            refresher = latest is None or latest.age_s > max_age_s
        if refresher:
            result = await compute()
            await unit.session.execute(_STORE, {"key": key, "payload": result.model_dump_json()})
            return result
    assert latest is not None
    unit.audit("read", "statistics", subject=name,
               detail={**params, "snapshot": True, "snapshot_age_s": round(float(latest.age_s), 1)})
    return model.model_validate(latest.payload)
