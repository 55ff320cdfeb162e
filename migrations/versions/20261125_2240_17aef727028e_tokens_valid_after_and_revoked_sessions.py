"""tokens valid after and revoked sessions

Revocation that takes effect at once (issue 14, finding 8): a per-principal cut-off time for
access tokens (user, machine client, agency), and the logins (`sid`) that were ended.

Revision ID: 17aef727028e
Revises: b17e0a6d3c1f
Create Date: 2026-11-25 21:48:14.027924+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '17aef727028e'
down_revision: str | None = '0d1311ac2073'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('revoked_session',
    sa.Column('sid', sa.UUID(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sid', name=op.f('pk_revoked_session'))
    )
    op.create_index(op.f('ix_revoked_session_expires_at'), 'revoked_session', ['expires_at'], unique=False)
    op.add_column('agency', sa.Column('tokens_valid_after', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_client', sa.Column('tokens_valid_after', sa.DateTime(timezone=True), nullable=True))
    op.add_column('user_account', sa.Column('tokens_valid_after', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('user_account', 'tokens_valid_after')
    op.drop_column('api_client', 'tokens_valid_after')
    op.drop_column('agency', 'tokens_valid_after')
    op.drop_index(op.f('ix_revoked_session_expires_at'), table_name='revoked_session')
    op.drop_table('revoked_session')
