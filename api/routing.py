"""The route class every router uses: the request's unit of work commits after the endpoint
returns and before the response is serialised, so a failed commit can never answer 2xx."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from api.db.unit import RequestUnit

_REQUEST_PARAM = "_commit_request"


class CommitRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if inspect.iscoroutinefunction(endpoint):
            endpoint = _wrap(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _wrap(endpoint: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
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
