"""Statistics test records: programmes and episodes made for a test, and what the README promises
about one published figure. Used by the statistics, snapshot, attack and dashboard tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Episode, Programme
from tests.scenario import make_client
from tests.world import World


async def add_programme(db: AsyncSession, world: World, code: str) -> Programme:
    programme = Programme(code=code, name_ja=code, name_en=code, operating_agency_ids=[world.agencies["mota"]])
    db.add(programme)
    await db.flush()
    return programme


async def add_episodes(db: AsyncSession, world: World, programme: Programme, branch: str, n: int, *,
                    started: date = date(2010, 5, 1), ended: date | None = None, reason: str | None = None,
                    born: date = date(1970, 1, 1), diagnosis: str = "schizophrenia") -> list[Episode]:
    out = []
    for _ in range(n):
        client = make_client(branch, "統計 太郎", "トウケイ タロウ", born=born)
        client.diagnosis_group = diagnosis
        db.add(client)
        await db.flush()
        episode = Episode(client_id=client.id, programme_id=programme.id, branch_code=branch,
                          operating_agency_id=world.agencies["mota"], lead_worker_id=world.users["caseworker"],
                          status="finished" if ended else "active", proposed_on=started, started_on=started,
                          planned_end=date(2011, 4, 30), ended_on=ended, closure_reason=reason)
        db.add(episode)
        out.append(episode)
    await db.flush()
    return out


def consistent(figure: dict[str, Any], true: int, threshold: int = 5, bound: int = 2) -> bool:
    """What the README promises about one published figure and the true count behind it."""
    value = figure["value"]
    if value is None:
        return figure == {"value": None, "suppressed": True, "reason": "small"} and 0 <= true <= threshold + bound
    return abs(value - true) <= bound and value > threshold
