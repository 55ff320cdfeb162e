"""One unit of work per request: one session, one commit point, and the audit events the request
produced, written in the same transaction as the work they record."""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import audit_writer
from api.db.audit_writer import PendingEvent

log = logging.getLogger("api.unit")


@dataclass(slots=True)
class RequestUnit:
    session: AsyncSession
    context: dict[str, Any]
    actor: dict[str, Any] = field(default_factory=dict)
    events: list[PendingEvent] = field(default_factory=list)
    finished: bool = False

    # The driver connection of the session's current transaction, remembered with that transaction.
    _transaction: Any = None
    _driver: Any = None

    async def driver(self) -> asyncpg.Connection:
        """The driver connection the session holds (checked out now if it holds none), for the
        statements that skip SQLAlchemy's execution path: the principal, the hot reads and the audit
        rows. Same connection, so same transaction once the session has begun one. Remembered for as
        long as the session's transaction is the same one (a commit or rollback ends it and hands the
        connection back: the next call asks the session again)."""
        current = self.session.sync_session.get_transaction()
        if current is not None and current is self._transaction and current.is_active:
            return self._driver
        connection = await self.session.connection()
        raw = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
        assert raw is not None
        self._transaction, self._driver = self.session.sync_session.get_transaction(), raw
        return raw

    def set_actor(
        self, *, kind: str, id: uuid.UUID | None, name: str | None, role: str | None, agency_id: uuid.UUID | None
    ) -> None:
        self.actor = {"actor_kind": kind, "actor_id": id, "actor_name": name, "role": role, "agency_id": agency_id}

    def audit(
        self,
        action: str,
        resource_type: str,
        *,
        resource_id: object = None,
        client_id: uuid.UUID | None = None,
        outcome: str = "success",
        subject: str | None = None,
        detail: dict[str, Any] | None = None,
        durable: bool = False,
        actor: dict[str, Any] | None = None,
    ) -> None:
        self.events.append(
            PendingEvent(
                action=action,
                resource_type=resource_type,
                resource_id=None if resource_id is None else str(resource_id),
                client_id=client_id,
                outcome=outcome,
                subject=subject,
                detail=detail,
                durable=durable,
                actor=actor if actor is not None else dict(self.actor or {"actor_kind": "anonymous"}),
            )
        )

    async def commit(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self.events:
            await audit_writer.append_on(await self.driver(), self.events, self.context)
        await self.session.commit()

    async def fail(self) -> None:
        """The work is rolled back; denials and failed logins are still recorded, in a fresh transaction."""
        if self.finished:
            return
        self.finished = True
        durable = [e for e in self.events if e.durable]
        try:
            await self.session.rollback()
            if durable:
                await audit_writer.append_on(await self.driver(), durable, self.context)
                await self.session.commit()
        except Exception:  # the database may be the reason we failed; the request's own error wins
            log.warning("could not record durable audit events", exc_info=True)
            with contextlib.suppress(Exception):
                await self.session.rollback()
