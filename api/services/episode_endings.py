"""Ending support (issue 18, item 8): episodes nearing their planned end and episodes running long,
listed for the staff who may see them and sent once per episode per condition as webhook events
(`episode.ending_soon`, `episode.long_running`) by a background pass. Rules: api.domain.episode_endings."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import Episode, EpisodeAlertSent, Programme
from api.db.models.base import OPEN_END_SQL
from api.db.scopes import episodes_visible_to
from api.db.unit import RequestUnit
from api.domain import episode_endings as rules
from api.domain.access_rules import Action
from api.domain.fiscal import today_tokyo
from api.domain.principal import Principal
from api.pagination import PageParams, cut, keyset, typed_cursor
from api.services import events
from api.services.guard import require

log = logging.getLogger("api.episode_endings")
_FAR_FUTURE = date(9999, 12, 31)


def _condition(condition: str, on: date, days: int) -> list[Any]:
    running = Episode.status.in_(rules.RUNNING)
    if condition == rules.ENDING_SOON:
        return [running, Episode.planned_end >= on, Episode.planned_end <= on + timedelta(days=days)]
    return [running, Episode.started_on <= on - timedelta(days=days)]


async def list_visible(unit: RequestUnit, principal: Principal, page: PageParams, condition: str, on: date,
                       days: int) -> tuple[list[tuple[Episode, Programme]], str | None]:
    """The caller's episodes (as in the episode list) meeting `condition` on `on`, by planned end."""
    require(unit, principal, Action.client_list, resource_type="episode")
    order = [func_coalesce_end(), Episode.id]
    stmt = (select(Episode, Programme).join(Programme, Programme.id == Episode.programme_id)
            .where(episodes_visible_to(principal), *_condition(condition, on, days)))
    stmt = keyset(stmt, order, typed_cursor(page, [date.fromisoformat, uuid.UUID]))
    rows = [(r[0], r[1]) for r in (await unit.session.execute(stmt)).all()]
    items, cursor = cut(rows, page, lambda row: [(row[0].planned_end or _FAR_FUTURE).isoformat(), str(row[0].id)])
    for episode, _ in items:
        unit.audit("read", "episode", resource_id=episode.id, client_id=episode.client_id, subject=condition)
    return items, cursor


def func_coalesce_end() -> Any:
    return func.coalesce(Episode.planned_end, literal_column(OPEN_END_SQL, Date()))


async def send_alerts(session: AsyncSession, settings: Settings, on: date | None = None) -> dict[str, int]:
    """One pass: queue the webhook event of each episode newly meeting a condition, and record it, in
    one transaction (the caller's). An ending_soon is sent again when an extension moved the end."""
    on = on or today_tokyo()
    unit = RequestUnit(session=session, context={})
    sent = {c: 0 for c in sorted(rules.CONDITIONS)}
    windows = {rules.ENDING_SOON: settings.episode_ending_window_days,
               rules.LONG_RUNNING: settings.episode_long_running_days}
    for condition, days in windows.items():
        already = EpisodeAlertSent.__table__.alias("already")
        stmt = (select(Episode.id, Episode.operating_agency_id, Episode.planned_end)
                .outerjoin(already, (already.c.episode_id == Episode.id) & (already.c.condition == condition))
                .where(*_condition(condition, on, days)))
        if condition == rules.ENDING_SOON:
            stmt = stmt.where(already.c.episode_id.is_(None)
                              | already.c.planned_end.is_distinct_from(Episode.planned_end))
        else:
            stmt = stmt.where(already.c.episode_id.is_(None))
        # Two processes running the pass at once: each episode's row is taken by one of them only.
        stmt = stmt.order_by(Episode.id).with_for_update(of=Episode, skip_locked=True)
        for row in (await session.execute(stmt)).all():
            await events.emit(unit, rules.EVENT_TYPES[condition], "episode", row.id, [row.operating_agency_id])
            planned = row.planned_end if condition == rules.ENDING_SOON else None
            await session.execute(insert(EpisodeAlertSent).values(episode_id=row.id, condition=condition,
                                                                  planned_end=planned)
                                  .on_conflict_do_update(index_elements=["episode_id", "condition"],
                                                         set_={"planned_end": planned}))
            sent[condition] += 1
    return sent


class EpisodeAlerts:
    """`start()`/`stop()` run `send_alerts` every EPISODE_ALERT_INTERVAL_S (create_app wires it in)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def run_once(self, on: date | None = None) -> dict[str, int]:
        async with self._sessionmaker() as session, session.begin():
            sent = await send_alerts(session, self._settings, on)
        if any(sent.values()):
            log.info("episode alerts sent", extra={"fields": sent})
        return sent

    async def start(self) -> None:
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._loop(), name="episode-alerts")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not end the pass for the life of the process
                log.exception("episode alerts failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._settings.episode_alert_interval_s)
