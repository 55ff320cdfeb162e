"""Webhooks end to end: the outbox guarantees and the dispatcher against a real receiver on
127.0.0.1, then the subscription API as partners and admins use it.

Dispatcher tests need committed rows (the dispatcher opens its own transactions), so they use
the `engine` directly and delete what they committed; API tests run in the rolled-back test
transaction like every other API test."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import uuid
from collections import deque
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
from api.domain.webhook_delivery import signature
from api.main import create_app
from api.secret_box import secret_box
from api.services import webhooks as webhook_service
from api.services.events import emit
from api.services.webhook_dispatcher import WebhookDispatcher
from api.services.webhook_targets import pinned
from tests.world import World

# --- a real receiver ------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A minimal HTTP/1.1 server on an ephemeral 127.0.0.1 port. Answers the queued statuses in
    order, then `default`."""

    port: int = 0
    statuses: deque[int] = field(default_factory=deque)
    default: int = 204
    delay_s: float = 0.0
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        _method, path, _ = head[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append(Received(path, headers, body))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        status = self.statuses.popleft() if self.statuses else self.default
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recv = Receiver()
    server = await asyncio.start_server(recv.handle, "127.0.0.1", 0)
    recv.port = server.sockets[0].getsockname()[1]
    try:
        yield recv
    finally:
        server.close()
        await server.wait_closed()


def make_secret(seed: str) -> str:
    return "whsec_" + base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


SECRET = make_secret("test")


def check_signature(request: Received, secret: str) -> bool:
    """What a partner's receiver does (README "Webhooks"), written independently of the service and
    without the timestamp window (these tests move the dispatcher's clock)."""
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, s) for s in request.headers["webhook-signature"].split())


OLD_SECRET, NEW_SECRET = make_secret("old"), make_secret("new")


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


async def test_secrets_issued_by_the_api_verify_with_the_library(client: httpx.AsyncClient, world: World) -> None:
    created = (await client.post("/v1/webhooks", json=HOOK, headers=world.auth("partner"))).json()
    hook = standardwebhooks.Webhook(created["secret"])
    now = datetime.now(UTC)
    signed = hook.sign("msg_1", now, '{"a":1}')
    assert signed == signature(created["secret"], "msg_1", int(now.timestamp()), b'{"a":1}')
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32


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


# --- the subscription API --------------------------------------------------------------------

HOOK = {"url": "https://hospital.example/hooks", "events": ["referral.*", "meeting.notice_sent"]}


async def test_partner_system_creates_reads_and_cannot_see_other_agencies(client: httpx.AsyncClient,
                                                                          world: World) -> None:
    created = await client.post("/v1/webhooks", json=HOOK, headers=world.auth("hospital-system"))
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["agency_id"] == str(world.agencies["hospital"])
    assert body["created_by"] == str(world.machines["hospital-system"])
    assert created.headers["etag"] == '"1"'
    assert created.headers["location"] == f"/v1/webhooks/{body['id']}"

    read = await client.get(created.headers["location"], headers=world.auth("partner"))
    assert read.status_code == 200
    assert "secret" not in read.json(), "the secret is shown once"
    assert read.headers["etag"] == '"1"'
    listed = (await client.get("/v1/webhooks", headers=world.auth("partner"))).json()
    assert [s["id"] for s in listed["items"]] == [body["id"]]

    for other in ("consult-system", "partner_consult"):
        assert (await client.get(created.headers["location"], headers=world.auth(other))).status_code == 404
        assert (await client.get("/v1/webhooks", headers=world.auth(other))).json()["items"] == []
    assert (await client.get(created.headers["location"], headers=world.auth("admin"))).status_code == 200
    assert (await client.get(created.headers["location"], headers=world.auth("caseworker"))).status_code == 403


async def test_create_is_idempotent_and_takes_a_client_id(client: httpx.AsyncClient, world: World) -> None:
    chosen = str(uuid.uuid4())
    headers = {**world.auth("hospital-system"), "Idempotency-Key": "hook-1"}
    first = await client.post("/v1/webhooks", json={**HOOK, "id": chosen}, headers=headers)
    again = await client.post("/v1/webhooks", json={**HOOK, "id": chosen}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] == chosen
    assert again.headers["idempotent-replayed"] == "true"
    other = await client.post("/v1/webhooks", json={**HOOK, "url": "https://x.example/h"}, headers=headers)
    assert other.status_code == 422
    clash = await client.post("/v1/webhooks", json={**HOOK, "id": chosen}, headers=world.auth("hospital-system"))
    assert clash.status_code == 409


async def test_an_idempotent_replay_does_not_show_the_secret_again(client: httpx.AsyncClient, world: World,
                                                                   db: AsyncSession) -> None:
    """Issue 14, finding 7: the secret is shown once, and the answer kept for replays never held it."""
    headers = {**world.auth("hospital-system"), "Idempotency-Key": "hook-secret-once"}
    first = await client.post("/v1/webhooks", json=HOOK, headers=headers)
    again = await client.post("/v1/webhooks", json=HOOK, headers=headers)
    assert first.status_code == again.status_code == 201
    secret = first.json()["secret"]
    assert secret.startswith("whsec_")
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["secret"] is None
    stored = await db.scalar(text("SELECT response_body::text FROM idempotency_record WHERE key = 'hook-secret-once'"))
    assert stored is not None
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored


NOT_PUBLIC = [
    "http://localhost/hooks", "http://LOCALHOST./hooks", "http://127.0.0.2:8080/hooks", "http://127.1/hooks",
    "http://2130706433/hooks", "http://0x7f.1/hooks", "http://0177.0.0.1/hooks", "http://017700000001/hooks",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]:8000/hooks", "http://0.0.0.0/hooks",
    "http://10.0.0.5/hooks", "http://192.168.1.10/hooks", "http://172.16.0.1/hooks", "http://100.64.0.1/hooks",
    "http://224.0.0.1/hooks", "http://240.0.0.1/hooks", "http://[::ffff:127.0.0.1]/hooks",
    "http://[::ffff:7f00:1]/hooks", "http://[fe80::1]/hooks", "http://[fd00::1]/hooks", "https://[::]/hooks",
]


@pytest.mark.parametrize("url", NOT_PUBLIC)
async def test_registration_refuses_addresses_that_are_not_public(client: httpx.AsyncClient, world: World,
                                                                 url: str) -> None:
    """Issue 14, finding 3: every one of these answered 201 and was delivered to."""
    auth = world.auth("hospital-system")
    refused = await client.post("/v1/webhooks", json={**HOOK, "url": url}, headers=auth)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "body.url"
    assert refused.json()["errors"][0]["code"] == "address_not_allowed"
    location = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).headers["location"]
    moved = await client.patch(location, json={"url": url}, headers={**auth, "If-Match": '"1"'})
    assert moved.status_code == 422, moved.text


@pytest.mark.parametrize(
    "change",
    [
        {"url": "ftp://hospital.example/hooks"},
        {"url": "https://user:pw@hospital.example/hooks"},
        {"url": "not a url at all"},
        {"url": "https://h.example/" + "x" * 2000},
        {"url": "https://h.example:99999/hooks"},
        {"url": "https://h.example:http/hooks"},
        {"events": []},
        {"events": ["Referral.Accepted"]},
        {"events": ["x"] * 33},
        {"secret": "mine"},
    ],
)
async def test_create_refuses_bad_input(client: httpx.AsyncClient, world: World, change: dict[str, Any]) -> None:
    response = await client.post("/v1/webhooks", json={**HOOK, **change}, headers=world.auth("partner"))
    assert response.status_code == 422, response.text


async def test_admin_names_the_agency_and_partner_only_its_own(client: httpx.AsyncClient, world: World) -> None:
    assert (await client.post("/v1/webhooks", json=HOOK, headers=world.auth("admin"))).status_code == 422
    consult = str(world.agencies["consult"])
    made = await client.post("/v1/webhooks", json={**HOOK, "agency_id": consult}, headers=world.auth("admin"))
    assert made.status_code == 201
    assert made.json()["agency_id"] == consult
    refused = await client.post("/v1/webhooks", json={**HOOK, "agency_id": consult}, headers=world.auth("partner"))
    assert refused.status_code == 403
    nowhere = await client.post("/v1/webhooks", json={**HOOK, "agency_id": str(uuid.uuid4())},
                                headers=world.auth("admin"))
    assert nowhere.status_code == 422


async def test_update_needs_the_current_etag(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("partner")
    location = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).headers["location"]
    assert (await client.patch(location, json={"active": False}, headers=auth)).status_code == 428
    updated = await client.patch(location, json={"active": False, "events": ["referral.*", "referral.*"]},
                                 headers={**auth, "If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.headers["etag"] == '"2"'
    assert updated.json()["active"] is False
    assert updated.json()["events"] == ["referral.*"]
    assert (await client.patch(location, json={"active": True}, headers={**auth, "If-Match": '"1"'})).status_code == 412
    assert (await client.patch(location, json={"url": None}, headers={**auth, "If-Match": '"2"'})).status_code == 422
    assert (await client.patch(location, json={"hmm": 1}, headers={**auth, "If-Match": '"2"'})).status_code == 422


async def test_rotate_secret_returns_a_new_one_once(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("hospital-system")
    created = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).json()
    rotated = await client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers={**auth, "If-Match": '"1"'})
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    assert rotated.headers["etag"] == '"2"'


async def test_delete_takes_the_subscription_away(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("partner")
    location = (await client.post("/v1/webhooks", json=HOOK, headers=auth)).headers["location"]
    assert (await client.delete(location, headers={**auth, "If-Match": '"1"'})).status_code == 204
    assert (await client.get(location, headers=auth)).status_code == 404


async def test_subscription_list_pages_with_a_cursor(client: httpx.AsyncClient, world: World) -> None:
    auth = world.auth("partner")
    made = [(await client.post("/v1/webhooks", json=HOOK, headers=auth)).json()["id"] for _ in range(3)]
    first = (await client.get("/v1/webhooks", params={"limit": 2}, headers=auth)).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = (await client.get("/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]},
                             headers=auth)).json()
    assert rest["next_cursor"] is None
    assert sorted(s["id"] for s in first["items"] + rest["items"]) == sorted(made)
    bad = await client.get("/v1/webhooks", params={"cursor": "bm9wZQ"}, headers=auth)
    assert bad.status_code == 422


async def test_delivery_log_and_retry_of_a_dead_letter(client: httpx.AsyncClient, db: AsyncSession,
                                                       world: World) -> None:
    auth = world.auth("hospital-system")
    made = await client.post("/v1/webhooks", json={**HOOK, "events": ["test.*"]}, headers=auth)
    subscription_id = made.json()["id"]
    unit = RequestUnit(session=db, context={})
    await emit(unit, "test.ping", "probe", uuid.uuid4(), [world.agencies["hospital"]])
    await emit(unit, "test.pong", "probe", uuid.uuid4(), [world.agencies["hospital"]])
    dead, pending = (await db.scalars(select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == uuid.UUID(subscription_id)).order_by(WebhookDelivery.event_type))).all()
    dead.status, dead.attempts, dead.last_error = "dead", 8, "http_5xx"
    db.add(WebhookAttempt(delivery_id=dead.id, attempt=8, at=datetime.now(UTC), status_code=500, error="http_5xx",
                          duration_ms=12, succeeded=False))
    await db.flush()

    base = f"/v1/webhooks/{subscription_id}/deliveries"
    listed = (await client.get(base, headers=auth)).json()["items"]
    assert {d["event_type"]: d["status"] for d in listed} == {"test.ping": "dead", "test.pong": "pending"}
    only_dead = (await client.get(base, params={"status": "dead"}, headers=auth)).json()["items"]
    assert [d["id"] for d in only_dead] == [str(dead.id)]
    assert only_dead[0]["next_attempt_at"] is None
    detail = (await client.get(f"{base}/{dead.id}", headers=auth)).json()
    assert [(a["attempt"], a["status_code"], a["duration_ms"]) for a in detail["attempt_log"]] == [(8, 500, 12)]

    retried = await client.post(f"{base}/{dead.id}/retry", headers=auth)
    assert retried.status_code == 202
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    again = await client.post(f"{base}/{dead.id}/retry", headers=auth)
    assert again.status_code == 409
    assert (await client.post(f"{base}/{pending.id}/retry", headers=auth)).status_code == 409
    assert (await client.get(f"{base}/{uuid.uuid4()}", headers=auth)).status_code == 404
    assert (await client.get(base, headers=world.auth("consult-system"))).status_code == 404
