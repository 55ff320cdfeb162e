"""audit trail: unchained rows sealed into an RFC 9162 Merkle log with signed checkpoints

The hash chain's rows become the log's first leaves, in chain order; the sealer's first round
builds their subtree cache and signs the first checkpoint (the signing key is not the migration's).
Downgrade rebuilds the hash chain over every row in seq order.

Revision ID: a17c0de5ea1e
Revises: 311f35f75a23
Create Date: 2026-11-25 22:10:00.000000+00:00
"""

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a17c0de5ea1e'
down_revision: str | None = 'c3e1a9b7d2f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the formats at this revision (the live ones may evolve; this must not).
FIELDS = (
    "id", "at", "actor_kind", "actor_id", "actor_name", "role", "agency_id", "action", "resource_type",
    "resource_id", "client_id", "subject", "purpose", "outcome", "request_id", "client_addr", "detail",
)
GENESIS = "0" * 64
BATCH = 5000


def _leaf_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _chain_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _rows(bind: sa.Connection, after: int) -> list[Any]:
    stmt = sa.text(f"SELECT seq, {', '.join(FIELDS)} FROM audit_event WHERE seq > :after ORDER BY seq LIMIT {BATCH}")
    stmt = stmt.columns(sa.column("seq", sa.BigInteger), *(
        sa.column(f, postgresql.JSONB() if f == "detail" else sa.String()) for f in FIELDS
        if f not in ("at", "id", "actor_id", "agency_id", "client_id")),
        sa.column("at", sa.DateTime(timezone=True)),
        *(sa.column(f, postgresql.UUID(as_uuid=True)) for f in ("id", "actor_id", "agency_id", "client_id")))
    return list(bind.execute(stmt, {"after": after}).mappings())


def _append_only(table: str) -> None:
    op.execute(f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
               "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")


def upgrade() -> None:
    # Existing rows get xid 0: they are sealed here, and the sealer continues after (0, last seq).
    op.add_column('audit_event', sa.Column('xid', sa.BigInteger(), server_default=sa.text('0'), nullable=False))
    op.alter_column('audit_event', 'xid', server_default=sa.text('(pg_current_xact_id())::text::bigint'))
    op.create_index('ix_audit_event_xid_seq', 'audit_event', ['xid', 'seq'], unique=False)
    op.create_table('audit_checkpoint',
    sa.Column('tree_size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('tree_size', name=op.f('pk_audit_checkpoint'))
    )
    op.create_table('audit_subtree',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'index', name=op.f('pk_audit_subtree'))
    )
    op.create_table('audit_leaf',
    sa.Column('leaf_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_seq', sa.BigInteger(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(length=32), nullable=False),
    sa.ForeignKeyConstraint(['event_seq'], ['audit_event.seq'], name=op.f('fk_audit_leaf_event_seq_audit_event')),
    sa.PrimaryKeyConstraint('leaf_index', name=op.f('pk_audit_leaf')),
    sa.UniqueConstraint('event_seq', name=op.f('uq_audit_leaf_event_seq'))
    )
    op.execute("""
        CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$
    """)
    for table in ("audit_leaf", "audit_subtree", "audit_checkpoint"):
        _append_only(table)

    bind = op.get_bind()
    index, after = 0, 0
    while rows := _rows(bind, after):
        leaves = []
        for r in rows:
            leaf = orjson.dumps([_leaf_value(r[f]) for f in FIELDS], option=orjson.OPT_SORT_KEYS)
            leaves.append({"i": index, "s": r["seq"], "h": hashlib.sha256(b"\x00" + leaf).digest()})
            index += 1
        bind.execute(sa.text("INSERT INTO audit_leaf (leaf_index, event_seq, leaf_hash) VALUES (:i, :s, :h)"), leaves)
        after = rows[-1]["seq"]
    op.drop_column('audit_event', 'prev_hash')
    op.drop_column('audit_event', 'hash')


def downgrade() -> None:
    op.add_column('audit_event', sa.Column('hash', sa.VARCHAR(length=64), autoincrement=False, nullable=True))
    op.add_column('audit_event', sa.Column('prev_hash', sa.VARCHAR(length=64), autoincrement=False, nullable=True))
    bind = op.get_bind()
    op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete")
    prev, after = GENESIS, 0
    while rows := _rows(bind, after):
        updates = []
        for r in rows:
            payload = orjson.dumps([prev, *(_chain_value(r[f]) for f in FIELDS)], option=orjson.OPT_SORT_KEYS)
            digest = hashlib.sha256(payload).hexdigest()
            updates.append({"seq": r["seq"], "prev": prev, "hash": digest})
            prev = digest
        bind.execute(sa.text("UPDATE audit_event SET prev_hash = :prev, hash = :hash WHERE seq = :seq"), updates)
        after = rows[-1]["seq"]
    op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update_delete")
    op.alter_column('audit_event', 'hash', nullable=False)
    op.alter_column('audit_event', 'prev_hash', nullable=False)
    op.drop_table('audit_leaf')
    op.drop_table('audit_subtree')
    op.drop_table('audit_checkpoint')
    op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index('ix_audit_event_xid_seq', table_name='audit_event')
    op.drop_column('audit_event', 'xid')
