"""Delivers the webhook outbox: a background task in every worker process, safe side by side.

Each round claims due rows in one short transaction (`FOR UPDATE SKIP LOCKED`): claiming counts
the attempt and pushes `next_attempt_at` one lease ahead, so no other worker takes the row while
its POST is in flight, and a worker that dies mid-POST leaves a row that becomes due again when
the lease runs out. The POSTs run outside any transaction; each outcome is written in its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import WebhookAttempt, WebhookDelivery
from api.domain.webhook_delivery import (
    ADDRESS_REFUSED,
    DEAD,
    DELIVERED,
    PENDING,
    UNREACHABLE,
    http_failure,
    retry_delay_s,
    should_dead_letter,
    signature_header,
)
from api.secret_box import SecretKeyError, secret_box
from api.services.webhook_targets import TargetRefused, Unresolvable, pinned

log = logging.getLogger("api.webhooks")

USER_AGENT = "setagaya-iko-webhooks/1"
# A claimed row is left alone this long: well past the HTTP timeout, so only a dead worker's rows
# are ever claimed again.
MIN_LEASE_S = 60.0

_CLAIM = text(
    """
    WITH due AS (
        SELECT o.id
        FROM webhook_outbox o JOIN webhook_subscription s ON s.id = o.subscription_id
        WHERE o.status = 'pending' AND o.next_attempt_at <= :now AND s.active
        ORDER BY o.next_attempt_at, o.id
        LIMIT :limit
        FOR UPDATE OF o SKIP LOCKED
    )
    UPDATE webhook_outbox o
    SET attempts = o.attempts + 1, next_attempt_at = :lease_until
    FROM due, webhook_subscription s
    WHERE o.id = due.id AND s.id = o.subscription_id
    RETURNING o.id, o.event_id, o.attempts, o.payload, s.id AS subscription_id, s.url, s.secret, s.previous_secret,
              s.previous_secret_expires_at
    """
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: uuid.UUID
    event_id: uuid.UUID
    attempt: int
    payload: dict[str, Any]
    url: str
    secrets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookDispatcher:
    """`start()`/`stop()` run the loop (create_app wires it into the lifespan); `run_once()` is
    one round, for tests and for anyone who wants to drive delivery by hand. `clock` and `jitter`
    are injectable so the retry schedule can be tested without waiting."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
        jitter: Callable[[], float] = random.random,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._clock = clock
        self._jitter = jitter
        self._transport = transport
        self._lease = timedelta(seconds=max(MIN_LEASE_S, 4 * settings.webhook_timeout_s))
        self._http: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def _new_client(self) -> httpx.AsyncClient:
        # No redirects: a 3xx is a failed delivery, never a hop to a URL nobody registered.
        # No proxy from the environment either: the request must reach the address that was checked.
        return httpx.AsyncClient(timeout=self._settings.webhook_timeout_s, follow_redirects=False,
                                 transport=self._transport, headers={"User-Agent": USER_AGENT}, trust_env=False)

    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping.clear()
        self._http = self._new_client()
        self._task = asyncio.create_task(self._loop(), name="webhook-dispatcher")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=self._settings.webhook_timeout_s + 2)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                handled = await self.run_once()
            except Exception:  # a database hiccup must not end delivery for the life of the process
                log.exception("webhook dispatch round failed")
                handled = 0
            if handled < self._settings.webhook_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._settings.webhook_dispatch_interval_s)

    async def run_once(self) -> int:
        """Claim the due deliveries, POST them concurrently, record every attempt. Returns how many
        were attempted."""
        claimed = await self._claim()
        if not claimed:
            return 0
        if self._http is not None:
            await asyncio.gather(*(self._deliver(self._http, c) for c in claimed))
        else:
            async with self._new_client() as http:
                await asyncio.gather(*(self._deliver(http, c) for c in claimed))
        return len(claimed)

    async def _claim(self) -> list[Claimed]:
        now = self._clock()
        async with self._sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    _CLAIM,
                    {"now": now, "lease_until": now + self._lease, "limit": self._settings.webhook_batch_size},
                )
            ).all()
        out = []
        box = secret_box(self._settings)
        for r in rows:
            subscription_id = r.subscription_id
            try:
                secrets: tuple[str, ...] = (box.decrypt(r.secret, subscription_id),)
                if r.previous_secret and r.previous_secret_expires_at and r.previous_secret_expires_at > now:
                    secrets = (*secrets, box.decrypt(r.previous_secret, subscription_id))
            except SecretKeyError:
                # Never sent unsigned: the row comes back when its lease ends, maybe with the key.
                log.exception("cannot read a webhook signing secret", extra={"fields": {"delivery_id": str(r.id)}})
                continue
            payload = r.payload if isinstance(r.payload, dict) else orjson.loads(r.payload)
            out.append(Claimed(r.id, r.event_id, r.attempts, payload, r.url, secrets))
        return out

    async def _deliver(self, http: httpx.AsyncClient, claimed: Claimed) -> None:
        body = orjson.dumps(claimed.payload, option=orjson.OPT_SORT_KEYS)
        timestamp = int(self._clock().timestamp())
        event_id = str(claimed.event_id)
        headers = {
            "Content-Type": "application/json",
            "Webhook-Id": event_id,
            "Webhook-Timestamp": str(timestamp),
            "Webhook-Signature": signature_header(claimed.secrets, event_id, timestamp, body),
        }
        started = time.perf_counter()
        outcome = await self._post(http, claimed, body, headers, started)
        try:
            await self._record(claimed, outcome)
        except Exception:  # the lease brings the row back; the next attempt will be recorded
            log.exception("could not record webhook attempt", extra={"fields": {"delivery_id": str(claimed.id)}})

    async def _post(self, http: httpx.AsyncClient, claimed: Claimed, body: bytes, headers: dict[str, str],
                    started: float) -> Outcome:
        """One attempt, resolved and checked again now (the name may point elsewhere since it was
        registered) and sent to the checked address. The subscriber's log gets a coarse outcome;
        the network detail goes to the operators' log only."""
        try:
            target = await pinned(claimed.url, self._settings.webhook_allowed_hosts)
        except TargetRefused as exc:
            log.warning("webhook target refused", extra={"fields": {"delivery_id": str(claimed.id), "why": str(exc)}})
            return Outcome(None, ADDRESS_REFUSED, _elapsed_ms(started))
        except Unresolvable:
            return Outcome(None, UNREACHABLE, _elapsed_ms(started))
        try:
            response = await http.post(target.url, content=body, headers={**headers, "Host": target.host_header},
                                       extensions={"sni_hostname": target.server_name})
        except httpx.HTTPError as exc:
            log.info("webhook attempt failed", extra={"fields": {
                "delivery_id": str(claimed.id), "error": f"{type(exc).__name__}: {exc}"[:500]}})
            return Outcome(None, UNREACHABLE, _elapsed_ms(started))
        return Outcome(response.status_code, None if response.is_success else http_failure(response.status_code),
                       _elapsed_ms(started))

    async def _record(self, claimed: Claimed, outcome: Outcome) -> None:
        now = self._clock()
        values: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
        if outcome.succeeded:
            values |= {"status": DELIVERED, "delivered_at": now}
        elif should_dead_letter(claimed.attempt, self._settings.webhook_max_attempts):
            values |= {"status": DEAD}
        else:
            delay = retry_delay_s(claimed.attempt, base_s=self._settings.webhook_backoff_base_s,
                                  cap_s=self._settings.webhook_backoff_cap_s, jitter=self._jitter())
            values |= {"next_attempt_at": now + timedelta(seconds=delay)}
        async with self._sessionmaker() as session, session.begin():
            try:
                async with session.begin_nested():
                    await session.execute(insert(WebhookAttempt).values(
                        id=uuid.uuid4(), delivery_id=claimed.id, attempt=claimed.attempt, at=now,
                        status_code=outcome.status_code, error=outcome.error, duration_ms=outcome.duration_ms,
                        succeeded=outcome.succeeded,
                    ))
            except IntegrityError:
                return  # the subscription was deleted while the POST was in flight
            # Only the claim this outcome belongs to: if our lease ran out and another worker has
            # claimed the row since, its attempt number moved on and its own outcome will decide.
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == claimed.id, WebhookDelivery.status == PENDING,
                       WebhookDelivery.attempts == claimed.attempt)
                .values(**values)
            )
        log.info("webhook attempt", extra={"fields": {
            "delivery_id": str(claimed.id), "event_id": str(claimed.event_id), "attempt": claimed.attempt,
            "status_code": outcome.status_code, "succeeded": outcome.succeeded, "duration_ms": outcome.duration_ms,
        }})


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
