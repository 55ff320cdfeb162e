"""create_app(): settings, engine, middleware, problem handlers, routers."""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import importlib
import logging
import pkgutil
import re
from collections.abc import AsyncIterator
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

import api.routers
from api import metrics
from api.config import Settings, get_settings
from api.db.engine import create_engine, create_sessionmaker
from api.middleware import (
    BodyLimitMiddleware,
    ClientAddressMiddleware,
    RateLimitMiddleware,
    RequestContextMiddleware,
    configure_logging,
)
from api.openapi_doc import build_openapi
from api.problems import (
    DATABASE_HANDLERS,
    Problem,
    http_exception_handler,
    problem_handler,
    validation_handler,
)
from api.rate_limiting import CounterStore, PostgresCounterStore, RateLimiter, RedisCounterStore
from api.secret_box import secret_box
from api.security import KeyRing, TokenService
from api.services.audit_sealer import AuditSealer
from api.services.episode_endings import EpisodeAlerts
from api.services.imports import ImportRunner
from api.services.retention import RetentionPurge
from api.services.webhook_dispatcher import WebhookDispatcher

ROOT = Path(__file__).resolve().parent.parent


def schema_head() -> str:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def _include_routers(app: FastAPI) -> None:
    for info in sorted(pkgutil.iter_modules(api.routers.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"api.routers.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            # Routers carry their full paths; adding the routes themselves keeps app.routes flat
            # (newer FastAPI nests included routers), which the OpenAPI post-processing walks.
            app.router.routes.extend(router.routes)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    if settings.database_url is None:
        raise SystemExit(
            "DATABASE_URL is not set. Use `make run` (it starts the embedded PostgreSQL) or set "
            "DATABASE_URL=postgresql+asyncpg://user:password@host:5432/dbname."
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers = [*getattr(app.state, "background", []), *(w for w in (getattr(app.state, "retention", None),
                   getattr(app.state, "sealer", None)) if w is not None)]
        for worker in workers:
            await worker.start()
        # What is built by now (routes, schemas, models, the policy: ~230,000 objects) lives as long
        # as the process. Out of the collector's reach, a full collection under load no longer walks
        # it: those pauses were much of the tail latency (p99) of a worker.
        gc.freeze()
        try:
            yield
        finally:
            for worker in reversed(workers):
                await worker.stop()
            await app.state.rate_limiter.close()
            await app.state.engine.dispose()
            if app.state.replica_engine is not app.state.engine:
                await app.state.replica_engine.dispose()
            metrics.process_exiting()

    app = FastAPI(
        title="Setagaya community-transition support API",
        version="1.0.0",
        description=(
            "Case management for Setagaya ward's community-transition support network "
            "(世田谷区地域自立支援協議会・地域移行部会). Errors are RFC 9457 problem documents."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    if settings.password_grant_on:
        logging.getLogger("api.auth").warning(
            "the OAuth password grant is on (PASSWORD_GRANT_ENABLED or LOAD_DEMO_DATA): RFC 9700 forbids it; "
            "turn it off outside the demo and tests")
    app.state.engine = create_engine(settings.database_url, settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    app.state.replica_engine = (
        create_engine(settings.database_replica_url, settings)
        if settings.database_replica_url
        else app.state.engine
    )
    app.state.replica_sessionmaker = create_sessionmaker(app.state.replica_engine)
    app.state.schema_head = schema_head()
    app.state.tokens = TokenService(KeyRing.from_settings(settings), settings)
    secret_box(settings)  # a WEBHOOK_SECRET_KEYS that cannot be used stops the start, not the first delivery
    store: CounterStore = (RedisCounterStore(settings.redis_url) if settings.redis_url
                           else PostgresCounterStore(app.state.engine))
    app.state.rate_limiter = RateLimiter(store, sync_interval_s=settings.rate_limit_sync_interval_s)
    if settings.run_background_workers:
        # Every worker process runs one; SKIP LOCKED claims keep them from delivering a row twice.
        app.state.background = [WebhookDispatcher(app.state.sessionmaker, settings),
                                ImportRunner(app.state.sessionmaker, settings),
                                # --- issue 18: ending support ---
                                EpisodeAlerts(app.state.sessionmaker, settings)]
        app.state.retention = RetentionPurge(app.state.sessionmaker, settings)
        if settings.audit_sealer_in_service:
            # Every worker runs one; the sealer lock lets one of them (across instances too) do the work.
            app.state.sealer = AuditSealer(app.state.engine, settings, app.state.tokens.keys)

    app.add_exception_handler(Problem, problem_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    for exc_type, handler in DATABASE_HANDLERS:
        app.add_exception_handler(exc_type, handler)

    _include_routers(app)
    metrics.install(app, settings)
    _mount_docs(app)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    # Outermost last: request ids wrap everything, so even a 413 or a CORS refusal carries one.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       per_path={"/v1/imports": settings.import_max_bytes})
    if settings.cors_origins:
        wildcard = settings.cors_origins == ["*"]
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=not wildcard,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID",
                           "X-Access-Purpose", "Accept-Language", "If-None-Match"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(
        RateLimitMiddleware,
        limiter=app.state.rate_limiter,
        tokens=app.state.tokens,
        per_principal=settings.rate_limit_per_minute,
        anonymous=settings.rate_limit_anonymous_per_minute,
        per_address=settings.rate_limit_per_address_per_minute,
    )
    app.add_middleware(RequestContextMiddleware, observe=metrics.observe if settings.metrics_enabled else None)
    # Outermost of all: the log line, the rate limiter and the audit rows see the same caller address.
    app.add_middleware(ClientAddressMiddleware, trusted=settings.trusted_proxies)
    return app


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_content_security_policy(html: str) -> str:
    """The docs page's policy: its own files only, and of inline code exactly the page's own
    script (by hash), so the page works and nothing injected into it runs."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    return (f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI from the installed swagger-ui-bundle: ward networks are closed, no CDN."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs/static", StaticFiles(directory=str(swagger_ui_path)), name="swagger-static")
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=app.title + " — API docs",
        swagger_js_url="/docs/static/swagger-ui-bundle.js",
        swagger_css_url="/docs/static/swagger-ui.css",
        swagger_favicon_url="/docs/static/favicon-32x32.png",
        # No badge fetched from validator.swagger.io: the page talks to this server only.
        swagger_ui_parameters={"validatorUrl": None},
    )
    html = bytes(page.body).decode()
    headers = {"Content-Security-Policy": docs_content_security_policy(html)}

    async def docs() -> HTMLResponse:
        return HTMLResponse(html, headers=headers)

    app.router.routes.append(APIRoute("/docs", docs, include_in_schema=False, response_class=HTMLResponse))
