"""The route class every router uses: the request's unit of work commits after the endpoint
returns and before the response is serialised, so a failed commit can never answer 2xx. A route
that takes query parameters refuses ones it does not know (422), so a misspelt filter is never
silently ignored (except an endpoint marked with `ignores_unknown_query`: the OAuth authorization
endpoint, which RFC 6749 §3.1 obliges to ignore them); and a GET answered with an ETag honours If-None-Match (304)."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from api.db.unit import RequestUnit
from api.messages import msg
from api.problems import field_error, invalid_fields

_REQUEST_PARAM = "_commit_request"
P = ParamSpec("P")
R = TypeVar("R")


def ignores_unknown_query(endpoint: Callable[P, R]) -> Callable[P, R]:
    """For an endpoint a standard obliges to ignore parameters it does not know."""
    setattr(endpoint, "__ignores_unknown_query__", True)  # noqa: B010
    return endpoint


class CommitRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        query_names: set[str] = set()  # filled once FastAPI has read the route's parameters
        strict = not getattr(endpoint, "__ignores_unknown_query__", False)
        if inspect.iscoroutinefunction(endpoint):
            endpoint = _wrap(endpoint, query_names)
        super().__init__(path, endpoint, **kwargs)
        if strict:
            query_names.update(_query_names(self.dependant))
        self._literal_prefix = path.split("{", 1)[0]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # The router asks every route in turn until one matches (~170 of them); FastAPI's own test
        # costs ~13 µs a route, ~2 ms for a request to one of the last. A path that does not start
        # with the route's literal part cannot match its (anchored) pattern: answered at once.
        if not get_route_path(scope).startswith(self._literal_prefix):
            return Match.NONE, {}
        return super().matches(scope)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except BaseException:
                # Raised before the endpoint ran (a guard refusing in a dependency, a bad parameter)
                # or by it: the work rolls back, the durable audit events are written (api.deps.get_unit).
                unit: RequestUnit | None = getattr(request.state, "unit", None)
                if unit is not None:
                    await unit.fail()
                raise
            finally:
                unit = getattr(request.state, "unit", None)
                if unit is not None:
                    await unit.session.close()
            if request.method in ("GET", "HEAD") and response.status_code == 200:
                return not_modified(request, response) or response
            return response

        return route_handler


# Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5).
_KEPT_ON_304 = ("etag", "cache-control", "vary", "content-location", "expires", "date", "last-modified")
_ENTITY_TAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"')


def not_modified(request: Request, response: Response) -> Response | None:
    """304 when If-None-Match names the response's ETag (weak comparison, `*` for any), else None.

    The endpoint has run and its unit of work committed before this is decided, so a 304 on client
    data leaves the same audited read as the 200: it tells the caller the client's record is still
    what it holds, which is a disclosure of its current state."""
    current = response.headers.get("etag")
    header = request.headers.get("if-none-match")
    if current is None or header is None:
        return None
    if header.strip() != "*" and _opaque(current) not in {_opaque(t) for t in _ENTITY_TAG.findall(header)}:
        return None
    kept = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_ON_304}
    return Response(status_code=304, headers=kept)


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for dep in dependant.dependencies:
        names |= _query_names(dep)
    return names


def refuse_unknown_query(request: Request, known: set[str]) -> None:
    """Checked after authentication (the dependencies ran), before the endpoint does any work."""
    unknown = sorted(set(request.query_params) - known)
    if not unknown:
        return
    allowed = sorted(known)
    raise invalid_fields(msg("request.unknown_query", names=unknown, allowed=allowed),
                         [field_error(name, msg("request.unknown_query.field", allowed=allowed), "extra_forbidden",
                                      where="query") for name in unknown])


def _wrap(endpoint: Callable[..., Coroutine[Any, Any, Any]],
          query_names: set[str]) -> Callable[..., Coroutine[Any, Any, Any]]:
    signature = inspect.signature(endpoint, eval_str=True)
    # FastAPI hands the Request to one parameter only: reuse the endpoint's own if it has one.
    own = next((p.name for p in signature.parameters.values() if p.annotation is Request), None)
    params = list(signature.parameters.values())
    if own is None:
        params.append(inspect.Parameter(_REQUEST_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Request))

    @functools.wraps(endpoint)
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        request: Request = kwargs[own] if own else kwargs.pop(_REQUEST_PARAM)
        try:
            if query_names:
                refuse_unknown_query(request, query_names)
            result = await endpoint(*args, **kwargs)
        except BaseException:
            unit: RequestUnit | None = getattr(request.state, "unit", None)
            if unit is not None:
                await unit.fail()
            raise
        unit = getattr(request.state, "unit", None)
        if unit is not None:
            await unit.commit()
        return result

    wrapped.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return wrapped
