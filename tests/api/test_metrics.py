"""/metrics over HTTP: absent unless enabled, behind its bearer token when one is set, and counting
what operators need: requests by route template and status, latency, pool use, rate-limit
refusals, the webhook outbox's backlog and dead letters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from api.config import Settings
from api.db.models import WebhookDelivery, WebhookSubscription
from api.main import create_app
from tests.world import World

TOKEN = "metrics-test-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def metrics_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"metrics_enabled": True, "metrics_token": SecretStr(TOKEN),
                                                 "rate_limit_anonymous_per_minute": 3}))
    yield app
    await app.state.engine.dispose()


def _http(app: FastAPI, address: str = "203.0.113.9") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                             base_url="http://testserver")


async def _scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await http.get("/metrics", headers=SCRAPE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def _value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_are_not_served_unless_enabled(client: httpx.AsyncClient) -> None:
    r = await client.get("/metrics")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_scrape_needs_the_token(metrics_app: FastAPI) -> None:
    async with _http(metrics_app) as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            r = await http.get("/metrics", headers=headers)
            assert r.status_code == 401, headers
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "iko_http_requests_total" not in r.text


async def test_requests_counted_by_route_template_and_status(metrics_app: FastAPI, world: World) -> None:
    async with _http(metrics_app) as http:
        before = await _scrape(http)
        for _ in range(3):
            assert (await http.get("/v1/me", headers=world.auth("caseworker"))).status_code == 200
        for _ in range(2):  # two different ids, one series: the template, not the path
            missing = await http.get(f"/v1/clients/{uuid.uuid4()}", headers=world.auth("caseworker"))
            assert missing.status_code == 404
        assert (await http.get(f"/no/such/{uuid.uuid4()}")).status_code == 404
        after = await _scrape(http)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("iko_http_requests_total", method="GET", route="/v1/me", status="200") == 3
    assert delta("iko_http_requests_total", method="GET", route="/v1/clients/{client_id}", status="404") == 2
    assert delta("iko_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert not any(name == "iko_http_requests_total" and "/no/such" in dict(labels).get("route", "")
                   for name, labels in after)
    assert delta("iko_http_request_duration_seconds_count", method="GET", route="/v1/me") == 3
    assert delta("iko_http_request_duration_seconds_bucket", method="GET", route="/v1/me", le="+Inf") == 3
    assert delta("iko_http_request_duration_seconds_sum", method="GET", route="/v1/me") > 0
    # Between requests every pooled connection is back: none in use.
    assert ("iko_db_pool_connections_in_use", (("pool", "primary"),)) in after
    assert _value(after, "iko_db_pool_connections_in_use", pool="primary") == 0
    assert _value(after, "iko_database_up") == 1


async def test_rate_limit_refusals_are_counted(metrics_app: FastAPI) -> None:
    async with _http(metrics_app, address="203.0.113.77") as http:
        before = await _scrape(http)
        statuses = [(await http.get("/v1/public/meetings")).status_code for _ in range(5)]
        after = await _scrape(http)  # /metrics itself is not rate limited
    assert statuses.count(429) == 2
    refused = (_value(after, "iko_rate_limit_refusals_total", subject="anonymous")
               - _value(before, "iko_rate_limit_refusals_total", subject="anonymous"))
    assert refused == 2


async def test_outbox_backlog_and_dead_letters_come_from_the_database(metrics_app: FastAPI, engine: AsyncEngine,
                                                                    world: World) -> None:
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    subscription = WebhookSubscription(agency_id=world.agencies["hospital"], url="https://partner.example/hook",
                                       events=["*"], secret="whsec_test", created_by=world.users["partner"])
    now = datetime.now(UTC)
    async with _http(metrics_app) as http:
        before = await _scrape(http)
        async with sessions() as session:
            session.add(subscription)
            await session.flush()
            for status, next_at in (("pending", now - timedelta(minutes=5)), ("pending", now + timedelta(hours=1)),
                                    ("dead", now), ("delivered", now)):
                session.add(WebhookDelivery(event_id=uuid.uuid4(), subscription_id=subscription.id,
                                            event_type="referral.sent", resource_type="referral",
                                            resource_id=uuid.uuid4(), payload={}, status=status,
                                            next_attempt_at=next_at))
            await session.commit()
        try:
            after = await _scrape(http)
        finally:
            async with sessions() as session:
                await session.execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id))
                await session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == subscription.id))
                await session.commit()
    assert _value(after, "iko_webhook_outbox_backlog") - _value(before, "iko_webhook_outbox_backlog") == 2
    assert _value(after, "iko_webhook_outbox_due") - _value(before, "iko_webhook_outbox_due") == 1
    assert _value(after, "iko_webhook_dead_letters") - _value(before, "iko_webhook_dead_letters") == 1
    assert _value(after, "iko_webhook_outbox_oldest_due_seconds") >= 290


def test_several_workers_without_a_shared_folder_refuse_to_start(settings: Settings) -> None:
    with pytest.raises(SystemExit, match="PROMETHEUS_MULTIPROC_DIR"):
        create_app(settings.model_copy(update={"metrics_enabled": True, "workers": 2}))
