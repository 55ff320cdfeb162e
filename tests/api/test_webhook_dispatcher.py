"""The webhook outbox and its dispatcher against a real receiver on 127.0.0.1: signed id-only
events, back-off, dead letters, crashes, concurrent workers, secret rotation and the address checks
made at delivery time. The subscription API over HTTP is in test_webhooks.py.

These tests need committed rows (the dispatcher opens its own transactions), so they use the
`engine` directly and delete what they committed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
import standardwebhooks
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from api.db.unit import RequestUnit
from api.domain.principal import Principal
from api.domain.roles import Role
from api.main import create_app
from api.secret_box import secret_box
from api.services import webhooks as webhook_service
from api.services.events import emit
from api.services.webhook_dispatcher import WebhookDispatcher
from api.services.webhook_targets import pinned
from tests.webhook_receiver import SECRET, Receiver, check_signature, make_secret, serving
from tests.world import World

OLD_SECRET, NEW_SECRET = make_secret("old"), make_secret("new")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serving() as recv:
        yield recv


# --- committed data and a dispatcher with a hand-driven clock --------------------------------


class Clock:
    def __init__(self) -> None:
        # A little ahead of the database's now(): rows emitted from here on are already due.
        self.now = datetime.now(UTC) + timedelta(seconds=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Live:
    maker: async_sessionmaker[AsyncSession]
    world: World
    settings: Settings
    clock: Clock
    created: list[uuid.UUID] = field(default_factory=list)

    async def subscribe(self, url: str, events: list[str], agency: str = "hospital", active: bool = True,
                        secret: str = SECRET) -> uuid.UUID:
        async with self.maker() as session:
            sub_id = uuid.uuid4()
            sub = WebhookSubscription(id=sub_id, agency_id=self.world.agencies[agency], url=url, events=events,
                                      secret=secret_box(self.settings).encrypt(secret, sub_id), active=active,
                                      created_by=self.world.users["admin"])
            session.add(sub)
            await session.commit()
        self.created.append(sub.id)
        return sub.id

    async def emit(self, event_type: str = "test.ping", agencies: tuple[str, ...] = ("hospital",), *,
                   commit: bool = True) -> uuid.UUID:
        resource_id = uuid.uuid4()
        async with self.maker() as session:
            unit = RequestUnit(session=session, context={})
            await emit(unit, event_type, "probe", resource_id, [self.world.agencies[a] for a in agencies])
            if commit:
                await session.commit()
            else:
                await session.rollback()
        return resource_id

    def dispatcher(self, **overrides: Any) -> WebhookDispatcher:
        settings = self.settings.model_copy(update={"webhook_backoff_base_s": 60.0, "webhook_backoff_cap_s": 600.0,
                                                    **overrides})
        return WebhookDispatcher(self.maker, settings, clock=self.clock, jitter=lambda: 1.0)

    async def deliveries(self) -> list[WebhookDelivery]:
        async with self.maker() as session:
            rows = await session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.subscription_id.in_(self.created))
                .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
            )
            return list(rows)

    async def attempts(self, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
        async with self.maker() as session:
            rows = await session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                                         .order_by(WebhookAttempt.at, WebhookAttempt.id))
            return list(rows)


@pytest.fixture
async def live(engine: AsyncEngine, world: World, settings: Settings) -> AsyncIterator[Live]:
    state = Live(async_sessionmaker(engine, expire_on_commit=False), world, settings, Clock())
    try:
        yield state
    finally:
        async with state.maker() as session:
            # Deleting the subscriptions takes their outbox rows and delivery log with them.
            await session.execute(delete(WebhookSubscription).where(WebhookSubscription.id.in_(state.created)))
            await session.commit()


async def drain(*dispatchers: WebhookDispatcher) -> int:
    total = 0
    while handled := sum(await asyncio.gather(*(d.run_once() for d in dispatchers))):
        total += handled
    return total


# --- the outbox and the dispatcher ---------------------------------------------------------


async def test_delivers_a_signed_id_only_event_to_matching_subscriptions(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.*"])
    await live.subscribe(receiver.url + "/other-event", ["referral.*"])
    await live.subscribe(receiver.url + "/other-agency", ["*"], agency="consult")
    await live.subscribe(receiver.url + "/inactive", ["test.ping"], active=False)
    resource_id = await live.emit("test.ping", ("hospital",))

    assert await live.dispatcher().run_once() == 1

    [request] = receiver.requests
    assert request.path == "/hooks"
    assert request.headers["content-type"] == "application/json"
    assert check_signature(request, SECRET)
    assert not check_signature(request, make_secret("someone else"))
    body = orjson.loads(request.body)
    assert set(body) == {"id", "type", "resource_type", "resource_id", "occurred_at"}
    assert body["id"] == request.headers["webhook-id"]
    assert (body["type"], body["resource_type"], body["resource_id"]) == ("test.ping", "probe", str(resource_id))
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    assert abs(int(request.headers["webhook-timestamp"]) - live.clock.now.timestamp()) < 2
    [delivery] = await live.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 204)
    assert delivery.delivered_at is not None
    [attempt] = await live.attempts(delivery.id)
    assert (attempt.attempt, attempt.status_code, attempt.succeeded, attempt.error) == (1, 204, True, None)
    assert await live.dispatcher().run_once() == 0, "a delivered event is never sent again"


async def test_failures_back_off_exponentially_then_deliver(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.ping"])
    await live.emit()
    receiver.statuses.extend([500, 503])
    dispatcher = live.dispatcher()

    assert await dispatcher.run_once() == 1
    [delivery] = await live.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "http_5xx")
    assert delivery.next_attempt_at == live.clock.now + timedelta(seconds=60)
    live.clock.advance(59)
    assert await dispatcher.run_once() == 0, "not due before its backoff ends"

    live.clock.advance(1)
    assert await dispatcher.run_once() == 1
    [delivery] = await live.deliveries()
    assert delivery.next_attempt_at == live.clock.now + timedelta(seconds=120), "the wait doubles"

    live.clock.advance(120)
    assert await dispatcher.run_once() == 1
    [delivery] = await live.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)
    log = await live.attempts(delivery.id)
    assert [(a.attempt, a.status_code, a.succeeded) for a in log] == [(1, 500, False), (2, 503, False), (3, 204, True)]
    assert all(check_signature(r, SECRET) for r in receiver.requests)
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1, "retries keep the event id"


async def test_dead_letter_after_max_attempts_then_manual_retry(live: Live, receiver: Receiver) -> None:
    subscription_id = await live.subscribe(receiver.url, ["test.ping"])
    await live.emit()
    receiver.default = 500
    dispatcher = live.dispatcher(webhook_max_attempts=3)
    for _ in range(3):
        assert await dispatcher.run_once() == 1
        live.clock.advance(600)
    [delivery] = await live.deliveries()
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert await dispatcher.run_once() == 0, "a dead letter is not retried on its own"
    assert len(receiver.requests) == 3
    assert len(await live.attempts(delivery.id)) == 3

    async with live.maker() as session:
        admin = Principal(kind="user", id=live.world.users["admin"], name="admin", role=Role.admin,
                          agency_id=live.world.agencies["ward_admin"], agency_type="ward_branch",
                          branches=frozenset())
        await webhook_service.retry_delivery(RequestUnit(session=session, context={}), admin, subscription_id,
                                             delivery.id)
        await session.commit()
    receiver.default = 200
    live.clock.advance(1)
    assert await dispatcher.run_once() == 1
    [delivery] = await live.deliveries()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(await live.attempts(delivery.id)) == 4, "the log keeps the attempts before the retry"


async def test_unreachable_receiver_is_logged_as_an_error(live: Live, receiver: Receiver) -> None:
    await live.subscribe("http://127.0.0.1:9/nothing-listens", ["test.ping"])
    await live.emit()
    assert await live.dispatcher().run_once() == 1
    [delivery] = await live.deliveries()
    [attempt] = await live.attempts(delivery.id)
    assert (attempt.status_code, attempt.succeeded) == (None, False)
    # A coarse outcome: the network error's text would map the network the dispatcher sits in.
    assert attempt.error == "unreachable"
    assert delivery.last_error == "unreachable"
    assert delivery.status == "pending"


async def test_rolled_back_change_sends_nothing(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.ping"])
    await live.emit(commit=False)
    assert await live.dispatcher().run_once() == 0
    assert await live.deliveries() == []
    assert receiver.requests == []


class CrashingTransport(httpx.AsyncBaseTransport):
    """The process dies while the POST is in flight: nothing after it runs."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise asyncio.CancelledError


async def test_event_committed_before_a_crash_is_delivered_after_restart(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.ping"])
    await live.emit()
    crashed = WebhookDispatcher(live.maker, live.settings, clock=live.clock, transport=CrashingTransport())
    with pytest.raises(asyncio.CancelledError):
        await crashed.run_once()
    await live.emit()  # committed while no dispatcher runs at all

    restarted = live.dispatcher()
    assert await restarted.run_once() == 1, "the event nobody claimed goes out at once"
    live.clock.advance(121)  # the crashed worker's claim lease runs out
    assert await restarted.run_once() == 1, "the event claimed by the dead worker goes out after its lease"
    assert [d.status for d in await live.deliveries()] == ["delivered", "delivered"]
    assert len(receiver.requests) == 2
    assert all(check_signature(r, SECRET) for r in receiver.requests)


async def test_two_dispatchers_never_deliver_the_same_row_twice(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.ping"])
    for _ in range(30):
        await live.emit()
    receiver.delay_s = 0.005  # keep POSTs in flight while the other worker claims
    first, second = live.dispatcher(webhook_batch_size=4), live.dispatcher(webhook_batch_size=4)

    assert await drain(first, second) == 30
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 30
    assert len(set(ids)) == 30
    assert {d.status for d in await live.deliveries()} == {"delivered"}


async def test_a_claim_skips_rows_locked_by_another_worker(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.ping"])
    await live.emit()
    async with live.maker() as other_worker, other_worker.begin():
        await other_worker.execute(text("SELECT id FROM webhook_outbox WHERE status = 'pending' FOR UPDATE"))
        # Neither waits for the lock nor takes the row.
        assert await asyncio.wait_for(live.dispatcher().run_once(), timeout=5) == 0
    assert await live.dispatcher().run_once() == 1


async def test_rotated_secret_signs_alongside_the_old_one(live: Live, receiver: Receiver) -> None:
    subscription_id = await live.subscribe(receiver.url, ["test.ping"], secret=OLD_SECRET)
    async with live.maker() as session:
        sub = await session.get(WebhookSubscription, subscription_id)
        assert sub is not None
        sub.previous_secret, sub.secret = sub.secret, secret_box(live.settings).encrypt(NEW_SECRET, sub.id)
        sub.previous_secret_expires_at = live.clock.now + timedelta(hours=1)
        await session.commit()
    await live.emit()
    await live.emit()
    dispatcher = live.dispatcher(webhook_batch_size=1)
    assert await dispatcher.run_once() == 1
    assert check_signature(receiver.requests[0], NEW_SECRET)
    assert check_signature(receiver.requests[0], OLD_SECRET)
    live.clock.advance(3601)
    assert await dispatcher.run_once() == 1
    assert check_signature(receiver.requests[1], NEW_SECRET)
    assert not check_signature(receiver.requests[1], OLD_SECRET), "the old secret stops after its grace period"


async def test_create_app_runs_the_dispatcher_in_its_lifespan(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"run_background_workers": True}))
    dispatcher = next(w for w in app.state.background if isinstance(w, WebhookDispatcher))
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0)
        assert dispatcher._task is not None
    assert dispatcher._task is None


# --- emit inside a request's transaction -----------------------------------------------------


async def test_emit_writes_nothing_until_the_changes_transaction_commits(db: AsyncSession, world: World) -> None:
    hospital, consult = world.agencies["hospital"], world.agencies["consult"]
    for agency, events, active in [(hospital, ["test.*"], True), (hospital, ["referral.*"], True),
                                   (consult, ["*"], True), (consult, ["test.ping"], False),
                                   (world.agencies["grouphome"], ["*"], True)]:
        db.add(WebhookSubscription(agency_id=agency, url="https://r.example/h", events=events, secret="s",
                                   active=active, created_by=world.users["admin"]))
    await db.flush()
    unit = RequestUnit(session=db, context={})
    await emit(unit, "test.ping", "probe", uuid.uuid4(), [hospital, consult])
    rows = (await db.scalars(select(WebhookDelivery))).all()
    assert len(rows) == 2
    assert len({r.event_id for r in rows}) == 1, "one event, one id, whoever receives it"
    with pytest.raises(ValueError, match="event type"):
        await emit(unit, "Not An Event", "probe", uuid.uuid4(), [hospital])


async def test_deliveries_verify_with_the_standard_webhooks_library(live: Live, receiver: Receiver) -> None:
    """Issue 13 item 7: the reference verifier of the spec whose header names we use accepts them,
    during a rotation with either secret, and refuses a tampered body or another secret."""
    subscription_id = await live.subscribe(receiver.url, ["test.ping"], secret=OLD_SECRET)
    await live.emit()
    dispatcher = WebhookDispatcher(live.maker, live.settings)  # the real clock: the verifier checks it
    assert await dispatcher.run_once() == 1
    [request] = receiver.requests
    assert request.headers["webhook-signature"].startswith("v1,")
    assert standardwebhooks.Webhook(OLD_SECRET).verify(request.body, request.headers)["type"] == "test.ping"
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(NEW_SECRET).verify(request.body, request.headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(OLD_SECRET).verify(request.body.replace(b"test.ping", b"test.pong"), request.headers)

    async with live.maker() as session:
        sub = await session.get(WebhookSubscription, subscription_id)
        assert sub is not None
        sub.previous_secret, sub.secret = sub.secret, secret_box(live.settings).encrypt(NEW_SECRET, sub.id)
        sub.previous_secret_expires_at = datetime.now(UTC) + timedelta(hours=1)
        await session.commit()
    await live.emit()
    assert await dispatcher.run_once() == 1
    rotated = receiver.requests[1]
    for secret in (OLD_SECRET, NEW_SECRET):
        standardwebhooks.Webhook(secret).verify(rotated.body, rotated.headers)


async def test_delivery_checks_the_address_again_and_refuses_a_private_one(
        live: Live, receiver: Receiver) -> None:
    """Issue 14, finding 3: a name that resolves to a loopback address by delivery time (DNS
    rebinding; here `localhost`, written straight into the table as a registration long ago
    would have been) is never connected to, and the log says only that the address is refused."""
    await live.subscribe(f"http://localhost:{receiver.port}/hooks", ["test.ping"])
    await live.subscribe(f"http://127.1:{receiver.port}/hooks", ["test.ping"])
    await live.emit()
    strict = live.dispatcher(webhook_allowed_hosts=[])
    assert await strict.run_once() == 2
    assert receiver.requests == []
    for delivery in await live.deliveries():
        [attempt] = await live.attempts(delivery.id)
        assert (attempt.status_code, attempt.error, attempt.succeeded) == (None, "address_not_allowed", False)


async def test_delivery_connects_to_the_checked_address_and_keeps_the_name(live: Live, receiver: Receiver) -> None:
    await live.subscribe(f"http://localhost:{receiver.port}/hooks?x=1", ["test.ping"])
    await live.emit()
    assert await live.dispatcher(webhook_allowed_hosts=["localhost"]).run_once() == 1
    [request] = receiver.requests
    assert request.headers["host"] == f"localhost:{receiver.port}"
    assert request.path == "/hooks?x=1"
    target = await pinned(f"https://localhost:{receiver.port}/h", ["localhost"])
    assert (target.url, target.host_header, target.server_name) == (
        f"https://127.0.0.1:{receiver.port}/h", f"localhost:{receiver.port}", "localhost")


async def test_failed_attempts_are_logged_by_status_class(live: Live, receiver: Receiver) -> None:
    await live.subscribe(receiver.url, ["test.ping"])
    await live.emit()
    receiver.statuses.extend([503])
    assert await live.dispatcher().run_once() == 1
    [delivery] = await live.deliveries()
    [attempt] = await live.attempts(delivery.id)
    assert (attempt.status_code, attempt.error, delivery.last_error) == (503, "http_5xx", "http_5xx")
