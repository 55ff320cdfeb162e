"""A client's related persons (family, household), each optionally linked to another client record.

The link lives in a table of its own, so linking or unlinking never changes the related person's
row (its version is its ETag): a caller who may not see the linked client can infer nothing from
the record, its ETag or its updated_at."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Versioned
from api.db.models.identity import one_of
from api.domain import codes


class RelatedPerson(Versioned, Base):
    __tablename__ = "related_person"
    __table_args__ = (CheckConstraint(one_of("relationship", codes.codes_of(codes.RELATIONSHIPS)),
                                      name="relationship"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    relationship: Mapped[str] = mapped_column(String(32))
    lives_in_household: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    phone: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class RelatedPersonLink(Base):
    """The related person is this other client. Shown only to callers who see that client."""

    __tablename__ = "related_person_link"
    related_person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("related_person.id", ondelete="CASCADE"),
                                                         primary_key=True)
    linked_client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("client.id"), index=True)
    linked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    linked_at: Mapped[datetime] = mapped_column(server_default=func.now())
