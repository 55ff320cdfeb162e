"""staff directory: a user's name reading (kana) to sort and search by

Revision ID: b7d41c2e9a10
Revises: 311f35f75a23
Create Date: 2026-11-25 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7d41c2e9a10'
down_revision: str | None = '311f35f75a23'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('user_account', sa.Column('display_name_kana', sa.String(length=100, collation='C'), nullable=True))


def downgrade() -> None:
    op.drop_column('user_account', 'display_name_kana')
