"""Statistics are ward-wide and the same for every reader, and computing one (queries plus
suppression of the whole cube) costs ~0.2 s of CPU: answers are kept as snapshots in PostgreSQL
for STATS_SNAPSHOT_SECONDS, shared by every worker and replica (the service keeps no state of its
own). Every read is still authorised and audited; a snapshot only saves the computation."""

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

_FRESH = text(
    "SELECT payload FROM stats_snapshot WHERE key = :key "
    "AND computed_at > now() - make_interval(secs => :age)"
)
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
    payload = await unit.session.scalar(_FRESH, {"key": key[:300], "age": max_age_s})
    if payload is not None:
        unit.audit("read", "statistics", subject=name, detail={**params, "snapshot": True})
        return model.model_validate(payload)
    result = await compute()
    await unit.session.execute(_STORE, {"key": key[:300], "payload": result.model_dump_json()})
    return result
