"""change feed log, worker-day activity summary and their triggers

Revision ID: 17038a7d0802
Revises: 97d50b57089c
Create Date: 2026-11-24 03:32:44.835988+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.types import UserDefinedType


class Xid8(UserDefinedType):  # type: ignore[type-arg]
    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


revision: str = '17038a7d0802'
down_revision: str | None = '97d50b57089c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEED_TABLES = ("client", "episode", "goal", "activity", "consent", "care_team_member")
# api.services.goals_and_activities.VISIT_KINDS: the work the daily visit capacity counts (a test keeps them equal).
VISIT_KINDS = "'accompaniment', 'home_visit', 'trial_stay'"

CHANGE_LOG_FUNCTION = """
CREATE FUNCTION change_log_record() RETURNS trigger LANGUAGE plpgsql AS $$
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

WORKER_DAY_FUNCTION = f"""
CREATE FUNCTION worker_day_load_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE worker_day_load
        SET activities = activities - 1,
            visits = visits - (OLD.kind IN ({VISIT_KINDS}))::int,
            minutes = minutes - OLD.duration_minutes - OLD.travel_minutes
        WHERE performer_id = OLD.performer_id AND day = (OLD.occurred_at AT TIME ZONE 'Asia/Tokyo')::date;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO worker_day_load AS w (performer_id, day, activities, visits, minutes)
        VALUES (NEW.performer_id, (NEW.occurred_at AT TIME ZONE 'Asia/Tokyo')::date, 1,
                (NEW.kind IN ({VISIT_KINDS}))::int, NEW.duration_minutes + NEW.travel_minutes)
        ON CONFLICT (performer_id, day) DO UPDATE
        SET activities = w.activities + 1, visits = w.visits + EXCLUDED.visits,
            minutes = w.minutes + EXCLUDED.minutes;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('xid', Xid8(), server_default=sa.text('pg_current_xact_id()'), nullable=False),
    sa.Column('resource_type', sa.String(length=40), nullable=False),
    sa.Column('resource_id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.UUID(), nullable=True),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('old_branch_code', sa.String(length=32), nullable=True),
    sa.Column('agency_id', sa.UUID(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log'))
    )
    op.create_index('ix_change_log_xid_seq', 'change_log', ['xid', 'seq'], unique=False)
    op.create_table('worker_day_load',
    sa.Column('performer_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('activities', sa.Integer(), server_default='0', nullable=False),
    sa.Column('visits', sa.Integer(), server_default='0', nullable=False),
    sa.Column('minutes', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('performer_id', 'day', name=op.f('pk_worker_day_load'))
    )
    op.create_index('ix_worker_day_load_day', 'worker_day_load', ['day', 'performer_id'], unique=False)
    # Exports page through (updated_at, id): a row comparison needs the two-column index.
    for table in ("client", "episode", "activity"):
        op.create_index(f"ix_{table}_updated_at_id", table, ["updated_at", "id"], unique=False)
    op.execute(CHANGE_LOG_FUNCTION)
    for table in FEED_TABLES:
        op.execute(f"CREATE TRIGGER change_log_insert AFTER INSERT ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION change_log_record()")
        # A no-op UPDATE (same values) is not a change anyone needs to pull.
        op.execute(f"CREATE TRIGGER change_log_update AFTER UPDATE ON {table} FOR EACH ROW "
                   "WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION change_log_record()")
    op.execute(WORKER_DAY_FUNCTION)
    op.execute("CREATE TRIGGER worker_day_load_apply AFTER INSERT OR UPDATE OR DELETE ON activity "
               "FOR EACH ROW EXECUTE FUNCTION worker_day_load_apply()")
    op.execute(f"""
        INSERT INTO worker_day_load (performer_id, day, activities, visits, minutes)
        SELECT performer_id, (occurred_at AT TIME ZONE 'Asia/Tokyo')::date, count(*),
               count(*) FILTER (WHERE kind IN ({VISIT_KINDS})), sum(duration_minutes + travel_minutes)
        FROM activity GROUP BY 1, 2
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER worker_day_load_apply ON activity")
    op.execute("DROP FUNCTION worker_day_load_apply()")
    for table in FEED_TABLES:
        op.execute(f"DROP TRIGGER change_log_update ON {table}")
        op.execute(f"DROP TRIGGER change_log_insert ON {table}")
    op.execute("DROP FUNCTION change_log_record()")
    for table in ("client", "episode", "activity"):
        op.drop_index(f"ix_{table}_updated_at_id", table_name=table)
    op.drop_index('ix_worker_day_load_day', table_name='worker_day_load')
    op.drop_table('worker_day_load')
    op.drop_index('ix_change_log_xid_seq', table_name='change_log')
    op.drop_table('change_log')
