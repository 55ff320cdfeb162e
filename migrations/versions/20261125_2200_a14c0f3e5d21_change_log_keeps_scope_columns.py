"""change log keeps what decides visibility before and after an update

The feed answers a tombstone only when the caller could see a record before a change and cannot
after it, both decided by the scope rules run with the changed row as it was before and after. The
trigger keeps those rows' scope columns (`scope_before`, `scope_after`) instead of three guesses at who might have lost sight of it
(the care-team member's user, the client's old branch, the episode's agency), which matched
people who had never seen the record.

Revision ID: a14c0f3e5d21
Revises: 311f35f75a23
Create Date: 2026-11-25 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'a14c0f3e5d21'
down_revision: str | None = 'b7d41c2e9a10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The columns the scope rules (api/db/scopes.py) read to decide who sees a row: only these are
# kept, so the log never holds a copy of notes, diagnoses or contacts. A test checks that the scope
# rules read nothing else.
SCOPE_COLUMNS = {
    "client": ("id", "branch_code"),
    "episode": ("id", "client_id", "operating_agency_id", "status"),
    "goal": ("id", "episode_id"),
    "activity": ("id", "client_id", "performer_id"),
    "consent": ("id", "client_id"),
    "care_team_member": ("id", "client_id", "user_id", "from_date", "to_date"),
}
FEED_TABLES = tuple(SCOPE_COLUMNS)

NEW_FUNCTION = """
CREATE OR REPLACE FUNCTION change_log_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cid uuid;
    before_row jsonb;
    after_row jsonb;
BEGIN
    IF TG_TABLE_NAME = 'client' THEN
        cid := NEW.id;
    ELSIF TG_TABLE_NAME = 'goal' THEN
        SELECT e.client_id INTO cid FROM episode e WHERE e.id = NEW.episode_id;
    ELSE
        cid := NEW.client_id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(key, value) INTO before_row FROM jsonb_each(to_jsonb(OLD)) WHERE key = ANY(TG_ARGV);
        SELECT jsonb_object_agg(key, value) INTO after_row FROM jsonb_each(to_jsonb(NEW)) WHERE key = ANY(TG_ARGV);
    END IF;
    INSERT INTO change_log (resource_type, resource_id, client_id, op, scope_before, scope_after)
    VALUES (TG_TABLE_NAME, NEW.id, cid, lower(TG_OP), before_row, after_row);
    RETURN NULL;
END
$$
"""

OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION change_log_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cid uuid;
    uid uuid;
    old_branch varchar;
    agency uuid;
BEGIN
    IF TG_TABLE_NAME = 'client' THEN
        cid := NEW.id;
        IF TG_OP = 'UPDATE' THEN old_branch := OLD.branch_code; END IF;
    ELSIF TG_TABLE_NAME = 'goal' THEN
        SELECT e.client_id, e.operating_agency_id INTO cid, agency FROM episode e WHERE e.id = NEW.episode_id;
    ELSIF TG_TABLE_NAME = 'episode' THEN
        cid := NEW.client_id;
        agency := NEW.operating_agency_id;
    ELSIF TG_TABLE_NAME = 'care_team_member' THEN
        cid := NEW.client_id;
        uid := NEW.user_id;
    ELSE
        cid := NEW.client_id;
    END IF;
    INSERT INTO change_log (resource_type, resource_id, client_id, op, user_id, old_branch_code, agency_id)
    VALUES (TG_TABLE_NAME, NEW.id, cid, lower(TG_OP), uid, old_branch, agency);
    RETURN NULL;
END
$$
"""


def _update_triggers(with_columns: bool) -> None:
    for table, columns in SCOPE_COLUMNS.items():
        op.execute(f"DROP TRIGGER change_log_update ON {table}")
        arguments = ", ".join(f"'{c}'" for c in columns) if with_columns else ""
        op.execute(f"CREATE TRIGGER change_log_update AFTER UPDATE ON {table} FOR EACH ROW "
                   f"WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION change_log_record({arguments})")


def upgrade() -> None:
    op.add_column('change_log', sa.Column('scope_before', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('change_log', sa.Column('scope_after', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.execute(NEW_FUNCTION)
    _update_triggers(with_columns=True)
    op.drop_column('change_log', 'user_id')
    op.drop_column('change_log', 'old_branch_code')
    op.drop_column('change_log', 'agency_id')


def downgrade() -> None:
    op.add_column('change_log', sa.Column('agency_id', sa.UUID(), nullable=True))
    op.add_column('change_log', sa.Column('old_branch_code', sa.String(length=32), nullable=True))
    op.add_column('change_log', sa.Column('user_id', sa.UUID(), nullable=True))
    op.execute(OLD_FUNCTION)
    _update_triggers(with_columns=False)
    op.drop_column('change_log', 'scope_after')
    op.drop_column('change_log', 'scope_before')
