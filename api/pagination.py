"""The one pagination helper: keyset (cursor) pages in a stable order, `limit` capped by settings."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar, cast

import orjson
from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Date, Select, literal, tuple_
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from api.messages import msg
from api.problems import Problem

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]
# A mapped attribute (`Agency.code`) or any column expression.
KeyColumn = ColumnElement[Any] | QueryableAttribute[Any]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class PageParams(BaseModel):
    limit: int
    cursor: list[Any] | None
    updated_since: datetime | None


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(values), default=str)).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise Problem("validation", msg("cursor.invalid")) from exc
    if not isinstance(values, list):
        raise Problem("validation", msg("cursor.invalid"))
    return values


async def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Page size (capped by the server)")] = None,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    updated_since: Annotated[datetime | None, Query(description="Only records changed after this instant")] = None,
) -> PageParams:
    settings = request.app.state.settings
    size = min(limit or settings.page_size_default, settings.page_size_max)
    if updated_since is not None and updated_since.tzinfo is None:
        raise Problem("validation", msg("time.offset_required", name="updated_since"))
    return PageParams(limit=size, cursor=decode_cursor(cursor) if cursor else None, updated_since=updated_since)


PageDep = Annotated[PageParams, Depends(page_params)]


def after(columns: Sequence[Any], values: Sequence[Any], *,
          descending: bool = False) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order of `columns` (ascending, or descending for
    newest-first lists): a row-value comparison `(a, b, c) > (x, y, z)`, which PostgreSQL answers
    as one range scan of a matching index (the equivalent OR-of-ANDs form made it filter every row
    before the cursor: deep pages slowed down with the table's size)."""
    if len(values) != len(columns):
        raise Problem("validation", msg("cursor.foreign"))
    if len(columns) == 1:
        return cast(ColumnElement[bool], columns[0] < values[0] if descending else columns[0] > values[0])
    left = tuple_(*columns)
    right = tuple_(*[_bound(v, getattr(c, "type", None)) for c, v in zip(columns, values, strict=True)])
    return left < right if descending else left > right


def _bound(value: Any, type_: Any) -> ColumnElement[Any]:
    # asyncpg sends date.max (the open end lists sort by, OPEN_END_SQL) as 'infinity', and nothing
    # sorts after infinity: a cursor on an open-ended row would end the list early. Sent as text.
    if isinstance(value, date) and not isinstance(value, datetime) and value == date.max:
        return sql_cast(literal(value.isoformat()), Date())
    return literal(value, type_=type_)


def after_sql(columns: str, values: Sequence[Any], bind: Callable[[Any, str], str]) -> str:
    """`after` for a statement written as SQL text (the hot reads): `(columns) > (values…)`, each value
    bound with its type by `bind` (api.db.scopes.Binds)."""
    return f"({columns}) > ({', '.join(_placeholder(v, bind) for v in values)})"


def _placeholder(value: Any, bind: Callable[[Any, str], str]) -> str:
    if isinstance(value, datetime):
        return bind(value, "timestamptz")
    if isinstance(value, date):
        return f"{bind(value.isoformat(), 'text')}::date"  # as text, for date.max: see `_bound`
    if isinstance(value, uuid.UUID):
        return bind(value, "uuid")
    return bind(value, "text")


def keyset(stmt: SelectT, columns: Sequence[Any], params: PageParams, *, descending: bool = False) -> SelectT:
    if params.cursor is not None:
        stmt = stmt.where(after(columns, params.cursor, descending=descending))
    order = [c.desc() for c in columns] if descending else list(columns)
    return stmt.order_by(*order).limit(params.limit + 1)


def typed_cursor(params: PageParams, parsers: Sequence[Callable[[Any], Any]]) -> PageParams:
    """The cursor's values turned back into the column types they came from (a timestamp travels
    as text), so the keyset comparison binds real values; a tampered cursor is a 422."""
    if params.cursor is None:
        return params
    if len(params.cursor) != len(parsers):
        raise Problem("validation", msg("cursor.foreign"))
    try:
        values = [parse(v) for parse, v in zip(parsers, params.cursor, strict=True)]
    except (TypeError, ValueError) as exc:
        raise Problem("validation", msg("cursor.invalid")) from exc
    return params.model_copy(update={"cursor": values})


def cut(rows: Sequence[T], params: PageParams, key: Any) -> tuple[list[T], str | None]:
    """Split the limit+1 rows a keyset query returned into the page and the next cursor."""
    items = list(rows[: params.limit])
    if len(rows) > params.limit and items:
        return items, encode_cursor(key(items[-1]))
    return items, None
