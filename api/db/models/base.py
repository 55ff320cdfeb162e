from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import Date, DateTime, Integer, MetaData, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Each counted record's statistics key (api.domain.cell_key): drawn once by PostgreSQL when the
# row is written, never shown, and the only randomness in published statistics.
STAT_KEY_DEFAULT = text("floor(random() * 65536)::integer")
# The far end of "no date" in list orders (an episode with no planned end, a referral with no due
# date sorts last). Written as a literal, not a bound parameter, so that a query's ORDER BY
# expression is the very expression of the index that serves it (a parameter never matches one).
OPEN_END_SQL = "'9999-12-31'::date"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        date: Date(),
        uuid.UUID: UUID(as_uuid=True),
        dict[str, Any]: JSONB(),
        list[Any]: JSONB(),
        int: Integer(),
    }


class Versioned:
    """created/updated times and a version counter. The version is the ETag and SQLAlchemy's
    optimistic lock: an UPDATE matches only the version that was read."""

    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now(), index=True)
    version: Mapped[int] = mapped_column(server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}  # type: ignore[attr-defined]
