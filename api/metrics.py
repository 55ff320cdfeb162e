"""`/metrics` in the Prometheus text format: requests by route template and status, latency, the
connection pool in use, rate-limit refusals, and per scrape from PostgreSQL the webhook outbox's
backlog and dead letters.

Several uvicorn workers: with PROMETHEUS_MULTIPROC_DIR set (the serve command and the image set it),
every worker writes its figures to memory-mapped files there and a scrape of any worker adds up all
of them. It must be set before prometheus_client is imported, so it is read once, here.

Not public by default: the route exists only with METRICS_ENABLED, and with METRICS_TOKEN it asks
for `Authorization: Bearer <token>`. Per request the cost is one dictionary lookup, a counter and a
histogram update (measured in tests/api/test_metrics.py)."""

from __future__ import annotations

import contextlib
import hmac
import os
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.responses import Response
from starlette.types import Scope

from api.config import Settings
from api.messages import msg
from api.problems import Problem
from api.services.operations import outbox_figures

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
# The classic text format (0.0.4): every Prometheus release and agent reads it; the names need no escaping.
UNMATCHED = "<unmatched>"  # 404s for paths no route serves: one series, however many paths are probed

REQUESTS = Counter("iko_http_requests_total", "Requests answered, by method, route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("iko_http_request_duration_seconds", "Time from request to the end of the response",
                    ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
POOL_IN_USE = Gauge("iko_db_pool_connections_in_use", "Pooled database connections checked out right now",
                    ["pool"], multiprocess_mode="livesum")
RATE_LIMITED = Counter("iko_rate_limit_refusals_total", "Requests refused with 429, by who was limited",
                       ["subject"])

# The labelled children, looked up once per series: `labels()` takes a lock and validates every call.
_request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe(scope: Scope, status: int, seconds: float) -> None:
    """Called by the request middleware after each HTTP response."""
    route = scope.get("route")
    template = getattr(route, "path", None) if route is not None else None
    key = (scope.get("method", ""), template or UNMATCHED, status)
    children = _request_children.get(key)
    if children is None:
        children = (REQUESTS.labels(key[0], key[1], str(status)), LATENCY.labels(key[0], key[1]))
        _request_children[key] = children
    children[0].inc()
    children[1].observe(seconds)


def rate_limited(subject: str) -> None:
    RATE_LIMITED.labels(subject).inc()


def watch_pool(engine: AsyncEngine, name: str) -> None:
    gauge = POOL_IN_USE.labels(name)
    event.listen(engine.sync_engine, "checkout", lambda *_: gauge.inc())
    event.listen(engine.sync_engine, "checkin", lambda *_: gauge.dec())


def process_exiting() -> None:
    """A worker's live gauges leave the sum when it stops (multiprocess mode only)."""
    if MULTIPROCESS_DIR:
        with contextlib.suppress(OSError):
            prometheus_multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class _Fixed:
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


async def _database_families(engine: AsyncEngine) -> list[Metric]:
    up = GaugeMetricFamily("iko_database_up", "1 when this scrape could read its figures from PostgreSQL")
    try:
        figures = await outbox_figures(engine)
    except Exception:  # an unreachable database must not take the process figures down with it
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    backlog = GaugeMetricFamily("iko_webhook_outbox_backlog", "Webhook deliveries waiting to be sent")
    backlog.add_metric([], figures.pending)
    due = GaugeMetricFamily("iko_webhook_outbox_due", "Pending deliveries whose next attempt is due now")
    due.add_metric([], figures.due)
    oldest = GaugeMetricFamily("iko_webhook_outbox_oldest_due_seconds",
                               "How long the longest-waiting due delivery has waited (0 when none)")
    oldest.add_metric([], figures.oldest_due_s)
    dead = GaugeMetricFamily("iko_webhook_dead_letters", "Deliveries that used up their attempts")
    dead.add_metric([], figures.dead)
    return [up, backlog, due, oldest, dead]


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def install(app: FastAPI, settings: Settings) -> None:
    if not settings.metrics_enabled:
        return
    if settings.workers > 1 and not MULTIPROCESS_DIR:
        raise SystemExit("METRICS_ENABLED with WORKERS > 1 needs PROMETHEUS_MULTIPROC_DIR (an empty folder every "
                         "worker can write), or each scrape would show one worker's figures.")
    watch_pool(app.state.engine, "primary")
    if app.state.replica_engine is not app.state.engine:
        watch_pool(app.state.replica_engine, "replica")
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        if token is not None and not _authorised(request, token):
            raise Problem("unauthenticated", msg("auth.metrics_token"),
                          headers={"WWW-Authenticate": "Bearer"})
        if MULTIPROCESS_DIR:
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = REGISTRY
        database = CollectorRegistry(auto_describe=False)
        database.register(_Fixed(await _database_families(request.app.state.engine)))
        return Response(generate_latest(registry) + generate_latest(database), media_type=CONTENT_TYPE_PLAIN_0_0_4,
                        headers={"Cache-Control": "no-store"})

    app.add_api_route("/metrics", metrics, methods=["GET"], include_in_schema=False, name="metrics")
