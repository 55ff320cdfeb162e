"""indexes that match the episode list's and the incoming referral box's orders

Both lists sort by a date with "none" last (coalesce(..., DATE '9999-12-31')) and the id; with these
expression indexes a page is an index range scan that stops after `limit` rows, instead of sorting
every matching row.

Revision ID: b17e0a6d3c1f
Revises: a17c0de5ea1e
Create Date: 2026-11-25 22:30:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b17e0a6d3c1f'
down_revision: str | None = 'a17c0de5ea1e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_episode_list_order', 'episode',
                    [sa.text("COALESCE(planned_end, '9999-12-31'::date)"), 'id'], unique=False)
    op.create_index('ix_episode_branch_status_list_order', 'episode',
                    ['branch_code', 'status', sa.text("COALESCE(planned_end, '9999-12-31'::date)"), 'id'], unique=False)
    op.create_index('ix_referral_to_agency_list_order', 'referral',
                    ['to_agency_id', sa.text("COALESCE(due_on, '9999-12-31'::date)"), 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_referral_to_agency_list_order', table_name='referral')
    op.drop_index('ix_episode_branch_status_list_order', table_name='episode')
    op.drop_index('ix_episode_list_order', table_name='episode')
