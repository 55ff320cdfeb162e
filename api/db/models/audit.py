from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base

# The id of the writing transaction (xid8 fits a bigint). The sealer takes rows whose transaction is
# below the snapshot's xmin horizon: finished, so no row of an earlier position can still appear.
CURRENT_XACT_ID = text("(pg_current_xact_id())::text::bigint")


class AuditEvent(Base):
    """Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). Written unchained in the request's
    transaction; the sealer later gives each row its position in the Merkle log (`AuditLeaf`)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_client_at", "client_id", "at"),
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_action_subject_at", "action", "subject", "at"),
        Index("ix_audit_event_xid_seq", "xid", "seq"),
    )
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True)
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(32), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[uuid.UUID | None]
    subject: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(128))
    client_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None]
    xid: Mapped[int] = mapped_column(BigInteger, server_default=CURRENT_XACT_ID)


class AuditLeaf(Base):
    """An event's position in the Merkle log and its RFC 9162 leaf hash. Append-only."""

    __tablename__ = "audit_leaf"
    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_seq: Mapped[int] = mapped_column(BigInteger, ForeignKey("audit_event.seq"), unique=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditSubtree(Base):
    """Cached hash of a complete subtree of 2**level leaves starting at index * 2**level, for levels
    from `SUBTREE_MIN_LEVEL` up: a proof then reads a few of these and at most a few hundred leaves."""

    __tablename__ = "audit_subtree"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditCheckpoint(Base):
    """A signed checkpoint of the log: its size, root hash and time, as a signed note. Append-only."""

    __tablename__ = "audit_checkpoint"
    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime]
    key_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
