"""RFC 9457 problem details: the one renderer every error goes through.

`type` is a stable URI per kind of problem so front-ends can show their own text; titles, details
and field messages come in English and Japanese (`Accept-Language: ja`), details and field
messages from the one catalogue in api.messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import asyncpg
import orjson
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from api.messages import Msg, field_message, localise, msg

log = logging.getLogger("api.db")

PROBLEM_BASE = "https://setagaya-iko.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ProblemKind:
    slug: str
    status: int
    title_en: str
    title_ja: str

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug


_KINDS: tuple[ProblemKind, ...] = (
    ProblemKind("bad-request", 400, "Bad request", "リクエストが不正です"),
    ProblemKind("unauthenticated", 401, "Authentication required", "認証が必要です"),
    ProblemKind("invalid-token", 401, "Invalid or expired token", "トークンが無効か期限切れです"),
    ProblemKind("invalid-grant", 400, "Invalid credentials", "認証情報が正しくありません"),
    ProblemKind("invalid-client", 401, "Invalid client credentials", "クライアント認証に失敗しました"),
    ProblemKind("unsupported-grant-type", 400, "Unsupported grant type", "未対応のグラント種別です"),
    ProblemKind("invalid-request", 400, "Invalid token request", "トークン要求が不正です"),
    ProblemKind("unauthorized-client", 400, "Client not allowed this grant",
                "このクライアントには許可されていないグラントです"),
    ProblemKind("invalid-scope", 400, "Invalid scope", "スコープが不正です"),
    ProblemKind("forbidden", 403, "Not allowed", "この操作は許可されていません"),
    ProblemKind("not-found", 404, "Not found", "見つかりません"),
    ProblemKind("method-not-allowed", 405, "Method not allowed", "許可されていないメソッドです"),
    ProblemKind("conflict", 409, "Conflict", "競合が発生しました"),
    ProblemKind("id-taken", 409, "Choose another id", "別のIDを指定してください"),
    ProblemKind("illegal-transition", 409, "Transition not allowed", "この状態遷移はできません"),
    ProblemKind("consent-missing", 409, "Consent does not cover this", "本人同意の範囲外です"),
    ProblemKind("possible-duplicate", 409, "Possible duplicate", "重複の可能性があります"),
    ProblemKind("idempotency-in-progress", 409, "Request still in progress", "同じリクエストを処理中です"),
    ProblemKind("precondition-failed", 412, "Resource changed", "データが更新されています"),
    ProblemKind("content-too-large", 413, "Request body too large", "リクエストが大きすぎます"),
    ProblemKind("validation", 422, "Invalid request", "入力内容に誤りがあります"),
    ProblemKind("idempotency-key-reused", 422, "Idempotency-Key reused", "Idempotency-Key が別の内容で使われました"),
    ProblemKind("precondition-required", 428, "If-Match required", "If-Match ヘッダーが必要です"),
    ProblemKind("rate-limited", 429, "Too many requests", "リクエストが多すぎます"),
    ProblemKind("login-throttled", 429, "Too many failed logins", "ログイン失敗が多すぎます"),
    ProblemKind("internal", 500, "Internal error", "内部エラーが発生しました"),
    ProblemKind("unavailable", 503, "Service unavailable", "サービスを利用できません"),
)
KINDS: Mapping[str, ProblemKind] = {k.slug: k for k in _KINDS}
# The first kind of each status stands for it (a bare HTTPException with that status).
_BY_STATUS: Mapping[int, ProblemKind] = {k.status: k for k in reversed(_KINDS)}


class Problem(Exception):
    """Raise anywhere below a router; rendered as application/problem+json."""

    def __init__(
        self,
        slug: str,
        detail: Msg | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        self.kind = KINDS[slug]
        self.detail = detail
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(f"{slug}: {detail}")


def not_found(what: str) -> Problem:
    """404 for a record that does not exist (or is not the caller's to see); `what` is a `what.*` key."""
    return Problem("not-found", msg("not_found", what=msg(what)))


def id_taken() -> Problem:
    """A client-chosen id on create that is in use. The same answer whether or not the caller may
    see the record that has it, and nothing more about that record (issue 14, finding 5)."""
    return Problem("id-taken", msg("record.id_taken"))


def field_error(field: str, message: Msg | str, code: str = "invalid", *, where: str = "body",
                **extra: Any) -> dict[str, Any]:
    """One entry of a 422's `errors`, in the shape pydantic's errors are rendered in: `field` is FastAPI's
    `loc` joined with dots, so it starts with where the value came from ("body.name", "query.limit",
    "body.location_ids.0"; an uploaded form part is "body.file" as FastAPI names it too)."""
    return {"field": f"{where}.{field}", "message": message, "code": code, **extra}


def invalid_fields(detail: Msg, errors: Sequence[Mapping[str, Any]], **extensions: Any) -> Problem:
    """422 naming the fields at fault; each entry from `field_error`."""
    return Problem("validation", detail, errors=[dict(e) for e in errors], **extensions)


def invalid_field(field: str, message: Msg, code: str = "invalid", *, detail: Msg | None = None,
                  where: str = "body", **extensions: Any) -> Problem:
    """422 for one field at fault (the one helper: every service and router builds these through it).
    The detail is the field's message unless a longer one is given."""
    return invalid_fields(detail or message, [field_error(field, message, code, where=where)], **extensions)


def refuse_nulls(changes: Mapping[str, Any], required: Sequence[str]) -> None:
    """A PATCH may leave a required field out, never set it to null: 422 naming the first one."""
    for field in required:
        if field in changes and changes[field] is None:
            raise invalid_field(field, msg("field.required"), "missing",
                                detail=msg("field.cannot_be_null", field=field))


def wants_japanese(accept_language: str | None) -> bool:
    if not accept_language:
        return False
    best, best_q = "", -1.0
    for part in accept_language.split(","):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = lang.strip().lower(), q
    return best.startswith("ja")


def render(
    kind: ProblemKind,
    *,
    detail: Msg | None,
    request_id: str | None,
    accept_language: str | None,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    status: int | None = None,
) -> Response:
    ja = wants_japanese(accept_language)
    body: dict[str, Any] = {
        "type": kind.type_uri,
        "title": kind.title_ja if ja else kind.title_en,
        "status": status or kind.status,
    }
    if detail is not None:
        body["detail"] = detail.text(ja)
    if extensions:
        body.update(localise(dict(extensions), ja))
    if request_id:
        body["request_id"] = request_id
    out_headers = {"Cache-Control": "no-store"}
    if headers:
        out_headers.update(headers)
    if accept_language is not None:
        out_headers["Content-Language"] = "ja" if wants_japanese(accept_language) else "en"
    return Response(
        orjson.dumps(body),
        status_code=status or kind.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=out_headers,
    )


def _request_id(request: Request) -> str | None:
    rid = request.scope.get("state", {}).get("request_id")
    return rid if isinstance(rid, str) else None


async def problem_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return render(
        exc.kind,
        detail=exc.detail,
        request_id=_request_id(request),
        accept_language=request.headers.get("accept-language"),
        extensions=exc.extensions,
        headers=exc.headers,
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind = _BY_STATUS.get(exc.status_code)
    if kind is None:
        kind = ProblemKind("http-" + str(exc.status_code), exc.status_code, HTTPStatus(exc.status_code).phrase,
                           HTTPStatus(exc.status_code).phrase)
    # Starlette's and FastAPI's own exceptions: a route that does not exist, a method it lacks,
    # a body that cannot be parsed. Their English text is replaced by the catalogue's.
    detail: Msg | None
    if exc.status_code == 404:
        detail = msg("route.not_found", path=request.url.path)
    elif exc.status_code == 405:
        detail = msg("route.method_not_allowed", method=request.method, path=request.url.path)
    elif exc.status_code == 413:
        detail = msg("request.body_too_large", limit=getattr(exc, "limit", "?"))
    else:
        detail = msg("request.malformed")
    return render(
        kind,
        detail=detail,
        request_id=_request_id(request),
        accept_language=request.headers.get("accept-language"),
        headers=dict(exc.headers or {}),
    )


def field_errors(errors: Sequence[Any], ja: bool) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        code = str(err.get("type", "invalid"))
        out.append(
            {
                # pydantic's `input` is never echoed: it may hold the very data being protected.
                "field": ".".join(loc),
                "message": field_message(code, str(err.get("msg", "invalid")), err.get("ctx"), ja),
                "code": code,
            }
        )
    return out


async def validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors(), wants_japanese(request.headers.get("accept-language")))
    return render(
        KINDS["validation"],
        detail=msg("validation.fields", count=len(errors)),
        request_id=_request_id(request),
        accept_language=request.headers.get("accept-language"),
        extensions={"errors": errors},
    )


def problem_schema() -> dict[str, Any]:
    """JSON schema of a problem document, for the OpenAPI error responses."""
    return {
        "title": "Problem",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "request_id": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "message": {"type": "string"},
                        "code": {"type": "string"},
                    },
                },
            },
        },
        "additionalProperties": True,
    }


def problem_response(request: Request, slug: str, detail: Msg | None = None,
                     headers: Mapping[str, str] | None = None, **extensions: Any) -> Response:
    """A problem returned (not raised): the request's unit of work still commits, which is how a
    refused login keeps its failure count and its audit row."""
    return render(
        KINDS[slug],
        detail=detail,
        request_id=_request_id(request),
        accept_language=request.headers.get("accept-language"),
        extensions=extensions,
        headers=headers,
    )


def illegal_transition(current: str, action: str, allowed: Sequence[str], **extensions: Any) -> Problem:
    """409 for an action the record's status (or the caller's part in it) does not allow now. The
    detail and the `allowed` member are written from the same list, so they always agree."""
    allowed = list(allowed)
    return Problem("illegal-transition", msg("transition.illegal", action=action, current=current, allowed=allowed),
                   allowed=allowed, **extensions)


# ------------------------------------------------------------------ database errors ----
# What a failure the database reports means to the caller, by SQLSTATE and by exception type.


def _render_exc(request: Request, slug: str, detail: Msg, headers: dict[str, str] | None = None) -> Response:
    return render(
        KINDS[slug],
        detail=detail,
        request_id=_request_id(request),
        accept_language=request.headers.get("accept-language"),
        headers=headers,
    )


async def _stale_handler(request: Request, exc: Exception) -> Response:
    return _render_exc(request, "precondition-failed", msg("database.stale"))


async def _integrity_handler(request: Request, exc: Exception) -> Response:
    return _render_exc(request, "conflict", msg("database.conflict"))


async def _db_error_handler(request: Request, exc: Exception) -> Response:
    if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or is_unavailable(exc):
        log.warning("database unavailable: %s", type(exc).__name__,
                    extra={"fields": {"request_id": _request_id(request), "error": str(exc)[:300]}})
        return _render_exc(request, "unavailable", msg("database.unreachable"),
                           headers={"Retry-After": "5"})
    if (sqlstate(exc) or "").startswith("22"):
        # SQLSTATE class 22, "data exception": a value the schema let through but PostgreSQL refuses
        # (NUL in text, a number out of range, a date too far out). The client's input, not our fault.
        return _render_exc(request, "validation", msg("database.value_rejected"))
    raise exc


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, looked for through SQLAlchemy's wrapper and the causes."""
    current: BaseException | None = exc
    while current is not None:
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str):
            return state
        current = getattr(current, "orig", None) or current.__cause__
    return None


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or went away (as opposed to refusing the statement)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (OSError, asyncio.TimeoutError, ConnectionError)):
            return True
        name = type(current).__name__
        if name in {"ConnectionDoesNotExistError", "CannotConnectNowError", "InterfaceError",
                    "ConnectionFailureError", "AdminShutdownError", "QueryCanceledError",
                    "TooManyConnectionsError", "CrashShutdownError", "ConnectionRejectionError"}:
            return True
        current = current.__cause__ or current.__context__
    return False


async def _timeout_handler(request: Request, exc: Exception) -> Response:
    return _render_exc(request, "unavailable", msg("database.timeout"),
                       headers={"Retry-After": "5"})


DATABASE_HANDLERS: tuple[tuple[type[Exception], Callable[[Request, Exception], Awaitable[Response]]], ...] = (
    (StaleDataError, _stale_handler),
    (IntegrityError, _integrity_handler),
    (DBAPIError, _db_error_handler),
    # The principal, the hot reads and the audit rows run on the driver connection (RequestUnit.driver):
    # its errors arrive unwrapped.
    (asyncpg.PostgresError, _db_error_handler),
    (asyncpg.InterfaceError, _db_error_handler),
    # Connecting to a stopped server fails with a bare OSError (refused, or no socket file), which
    # SQLAlchemy does not wrap; without this it was a 500.
    (OSError, _db_error_handler),
    (TimeoutError, _timeout_handler),
    (PoolTimeoutError, _timeout_handler),  # every pooled connection busy
)
"""Installed in this order by create_app."""
