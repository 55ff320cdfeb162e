"""statistics keys for the cell-key method

Every counted record (client, episode, referral) gets a fixed random key in 0..65535 that
perturbs published statistics (api/domain/cell_key.py). Existing rows get theirs here: a volatile
default is evaluated per row when the column is added. Stored statistics snapshots were made by
small-cell suppression and are dropped so that nothing published under the old rules is served.

Revision ID: c3e1a9b7d2f4
Revises: 311f35f75a23
Create Date: 2026-11-25 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3e1a9b7d2f4'
down_revision: str | None = 'd5a1e9b3c802'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("client", "episode", "referral")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('stat_key', sa.Integer(),
                                       server_default=sa.text('floor(random() * 65536)::integer'), nullable=False))
    op.execute("DELETE FROM stats_snapshot")


def downgrade() -> None:
    op.execute("DELETE FROM stats_snapshot")
    for table in TABLES:
        op.drop_column(table, 'stat_key')
