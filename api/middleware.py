"""Pure ASGI middleware: the caller's address behind trusted proxies, request ids with one JSON
log line per request, the security headers of every answer, the last-resort 500 problem, and the
request body limit. Pure ASGI (not BaseHTTPMiddleware) keeps them cheap and lets streaming
responses pass through untouched."""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.messages import msg
from api.metrics import rate_limited
from api.problems import KINDS, render
from api.rate_limiting import RateLimiter
from api.security import TokenError, TokenService

access_log = logging.getLogger("api.access")
error_log = logging.getLogger("api.error")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class JsonLogFormatter(logging.Formatter):
    """Every field is JSON-encoded, so a newline in any input cannot start a forged log line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


# Sent with every answer. An API answer is JSON, never a page: nothing may run in it, embed it or
# be loaded by it. The docs page sets its own policy (api.main._mount_docs) and keeps it.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_ALWAYS_NAMES = frozenset(name for name, _ in _ALWAYS)
_CSP = b"content-security-policy"
_CSP_VALUE = API_CONTENT_SECURITY_POLICY.encode()
_CACHE_CONTROL = b"cache-control"
_NO_STORE = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))


def security_headers(headers: list[tuple[bytes, bytes]], *, authenticated: bool) -> list[tuple[bytes, bytes]]:
    """The response's headers plus nosniff, no-referrer and a CSP; an answer to a request that
    carried credentials is never stored by a browser or a shared cache, whatever the route said."""
    has_csp = False
    out: list[tuple[bytes, bytes]] = []
    for name, value in headers:
        if authenticated and name in (_CACHE_CONTROL, b"pragma"):
            continue
        if name in _ALWAYS_NAMES:  # set once, here (a page that sets its own is not doubled)
            continue
        has_csp = has_csp or name == _CSP
        out.append((name, value))
    out.extend(_ALWAYS)
    if not has_csp:
        out.append((_CSP, _CSP_VALUE))
    if authenticated:
        out.extend(_NO_STORE)
    return out


class ClientAddressMiddleware:
    """Who is calling: the TCP peer, or, when the peer is one of TRUSTED_PROXIES, the nearest
    address in X-Forwarded-For that is not itself a trusted proxy (read right to left: the left
    part is whatever the caller wrote). With no trusted proxies the header is never read, so a
    caller cannot pick the address its failed logins and request counts are charged to."""

    def __init__(self, app: ASGIApp, trusted: Sequence[IPv4Network | IPv6Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not self.trusted or not client or not self._is_trusted(client[0]):
            await self.app(scope, receive, send)
            return
        hops = [hop.strip() for key, value in scope.get("headers", ()) if key == b"x-forwarded-for"
                for hop in value.decode("latin-1").split(",")]
        caller: str | None = None
        for hop in reversed(hops):
            try:
                ip_address(hop)
            except ValueError:
                break  # garbage where a proxy should have written an address: keep the peer
            caller = hop
            if not self._is_trusted(hop):
                break
        if caller is not None:
            scope = dict(scope)
            scope["client"] = (caller, 0)
            proto = _header(scope, b"x-forwarded-proto")
            if proto in ("http", "https"):
                scope["scheme"] = proto
        await self.app(scope, receive, send)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, observe: Callable[[Scope, int, float], None] | None = None) -> None:
        self.app = app
        self.observe = observe  # api.metrics.observe when metrics are on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status_holder = [500]
        response_started = False
        authenticated = _header(scope, b"authorization") is not None

        async def send_with_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_holder[0] = message["status"]
                headers = security_headers(list(message.get("headers", [])), authenticated=authenticated)
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_log.exception(
                "unhandled error", extra={"fields": {"request_id": request_id, "path": scope.get("path")}}
            )
            if not response_started:
                response = render(
                    KINDS["internal"],
                    detail=msg("request.internal"),
                    request_id=request_id,
                    accept_language=_header(scope, b"accept-language"),
                )
                await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            if self.observe is not None:
                self.observe(scope, status_holder[0], elapsed)
            client = scope.get("client")
            access_log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status_holder[0],
                        "duration_ms": round(elapsed * 1000, 2),
                        "principal": state.get("principal_id"),
                        "client_addr": client[0] if client else None,
                    }
                },
            )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body exceeds {limit} bytes.")
        self.limit = limit


class BodyLimitMiddleware:
    """413 before reading a declared-too-large body; for chunked bodies, as soon as the running
    total passes the limit, so an oversized body is never held whole in memory."""

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})  # exact paths with a limit of their own (uploads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        declared = _header(scope, b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False
            if too_large:
                response = render(
                    KINDS["content-too-large"],
                    detail=msg("request.body_too_large", limit=limit),
                    request_id=scope.get("state", {}).get("request_id"),
                    accept_language=_header(scope, b"accept-language"),
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


# Probes and the docs are not metered: a load balancer must always be able to ask.
_UNMETERED = ("/healthz", "/readyz", "/docs", "/openapi.json", "/metrics")


class RateLimitMiddleware:
    """429 with Retry-After, per principal (a valid access token's subject), per address for
    requests without one, and per address overall. The token is verified here once and the
    claims handed on in the scope, so the principal dependency does not verify it again."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, tokens: TokenService, *, per_principal: int,
                 anonymous: int, per_address: int) -> None:
        self.app = app
        self.limiter = limiter
        self.tokens = tokens
        self.per_principal = per_principal
        self.anonymous = anonymous
        self.per_address = per_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_UNMETERED):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        buckets = [(f"rl:a:{address}", self.per_address)]
        subject = self._subject(scope)
        if subject is not None:
            buckets.append((f"rl:p:{subject}", self.per_principal))
        else:
            buckets.append((f"rl:anon:{address}", self.anonymous))
        retry_after = await self.limiter.hit(buckets)
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        rate_limited("principal" if subject is not None else "anonymous")
        response = render(
            KINDS["rate-limited"],
            detail=msg("request.rate_limited", seconds=retry_after),
            request_id=scope.get("state", {}).get("request_id"),
            accept_language=_header(scope, b"accept-language"),
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)

    def _subject(self, scope: Scope) -> str | None:
        header = _header(scope, b"authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = self.tokens.verify_access_token(token)
        except TokenError:
            return None
        scope.setdefault("state", {})["access_claims"] = (token, claims)
        return f"{claims.principal_kind}:{claims.sub}"
