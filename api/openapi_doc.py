"""The OpenAPI document: stable operationIds, and every operation's error responses documented
from what the route actually depends on (authentication, If-Match, request bodies)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.problems import problem_schema
from api.services.shaping import KIND_OF, sent_to_every_reader

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

_DESCRIPTIONS = {
    "400": "Bad request", "401": "Not authenticated or token invalid", "403": "Visible but not allowed",
    "404": "Not found, or not visible to this principal", "409": "Conflict: illegal transition, duplicate or consent",
    "412": "If-Match does not match the current version", "413": "Request body too large",
    "415": "Unsupported media type", "422": "Invalid input", "428": "If-Match required",
    "429": "Rate limited", "500": "Internal error", "503": "Database unavailable",
}


def _calls(dependant: Dependant) -> Iterable[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def _validates_input(dependant: Dependant) -> bool:
    if dependant.query_params or dependant.path_params or dependant.body_params:
        return True
    return any(_validates_input(dep) for dep in dependant.dependencies)


def _error_codes(route: APIRoute) -> set[str]:
    names = {getattr(c, "__name__", "") for c in _calls(route.dependant)}
    codes = {"404", "429", "500", "503"}
    # Parameters a dependency declares (page sizes, filters) are validated as much as the route's own.
    if _validates_input(route.dependant):
        codes.add("422")
    if route.dependant.body_params:
        codes |= {"400", "413", "415"}
    if "get_principal" in names:
        codes |= {"401", "403"}
    if "get_optional_principal" in names:
        codes.add("401")
    if "if_match" in names:
        codes |= {"412", "428"}
    if (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}:
        codes.add("409")
    extra = getattr(route.endpoint, "__extra_problem_codes__", ())
    codes.update(str(c) for c in extra)
    codes.difference_update(str(c) for c in getattr(route.endpoint, "__absent_problem_codes__", ()))
    return codes


def _mark_shaped_fields(components: dict[str, Any]) -> None:
    """Read models are shaped per role by the field policy: a field some role does not receive is
    left out of its answers, so the document requires only the fields every reader gets."""
    for model in KIND_OF:
        for name in (model.__name__, f"{model.__module__.replace('.', '__')}__{model.__name__}"):
            component = components.get(name)
            if component is None:
                continue
            component["required"] = sent_to_every_reader(model)
            note = ("Shaped per role by the field policy: a field the caller's role is not granted is left out "
                    "(README: What each role sees).")
            component["description"] = f"{component['description']}\n\n{note}" if component.get("description") \
                else note


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = problem_schema()
    schema["components"].setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    }
    for route in app.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path_item = schema["paths"].get(route.path_format, {})
        codes = _error_codes(route)
        for method in route.methods or ():
            op = path_item.get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            if "422" not in codes:
                responses.pop("422", None)  # FastAPI's own, for a route that answers bad input otherwise
            # FastAPI's own 422 schema is replaced: every error here is a problem document.
            for code in sorted(codes):
                # A route's own non-JSON answer for the code (the login page's HTML) stays beside it.
                own = {media: body for media, body in responses.get(code, {}).get("content", {}).items()
                       if "json" not in media}
                responses[code] = {
                    "description": _DESCRIPTIONS.get(code, code),
                    "content": {**own, "application/problem+json": {"schema": _PROBLEM_REF}},
                }
            if "get_principal" in {getattr(c, "__name__", "") for c in _calls(route.dependant)}:
                op["security"] = [{"bearer": []}]
    _mark_shaped_fields(schema["components"]["schemas"])
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
