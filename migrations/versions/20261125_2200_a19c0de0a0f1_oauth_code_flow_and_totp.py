"""authorization code with PKCE, registered OAuth clients, TOTP and recovery codes

Revision ID: a19c0de0a0f1
Revises: 0d1311ac2073
Create Date: 2026-11-25 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a19c0de0a0f1'
down_revision: str | None = '17aef727028e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'oauth_client',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('client_type', sa.String(length=16), nullable=False),
        sa.Column('secret_hash', sa.Text(), nullable=True),
        sa.Column('redirect_uris', sa.ARRAY(sa.String(length=500)), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
        sa.CheckConstraint("client_type IN ('confidential', 'public')", name=op.f('ck_oauth_client_client_type')),
        sa.CheckConstraint("(client_type = 'confidential') = (secret_hash IS NOT NULL)",
                           name=op.f('ck_oauth_client_secret_iff_confidential')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_client')),
        sa.UniqueConstraint('client_id', name=op.f('uq_oauth_client_client_id')),
    )
    op.create_index(op.f('ix_oauth_client_updated_at'), 'oauth_client', ['updated_at'], unique=False)
    op.create_table(
        'authorization_code',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('client_pk', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('redirect_uri', sa.String(length=500), nullable=False),
        sa.Column('code_challenge', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=200), nullable=True),
        sa.Column('amr', sa.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refresh_family_id', sa.Uuid(), nullable=True),
        sa.Column('access_jti', sa.String(length=64), nullable=True),
        sa.Column('access_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['client_pk'], ['oauth_client.id'],
                                name=op.f('fk_authorization_code_client_pk_oauth_client'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_authorization_code_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_authorization_code')),
    )
    op.create_index(op.f('ix_authorization_code_client_pk'), 'authorization_code', ['client_pk'], unique=False)
    op.create_index(op.f('ix_authorization_code_user_id'), 'authorization_code', ['user_id'], unique=False)
    op.create_index(op.f('ix_authorization_code_expires_at'), 'authorization_code', ['expires_at'], unique=False)
    op.create_table(
        'totp_enrolment',
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_step', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_totp_enrolment_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_totp_enrolment')),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_recovery_code_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash')),
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'], unique=False)
    op.add_column('refresh_token', sa.Column('amr', sa.ARRAY(sa.String(length=8)), nullable=True))


def downgrade() -> None:
    op.drop_column('refresh_token', 'amr')
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_table('totp_enrolment')
    op.drop_index(op.f('ix_authorization_code_expires_at'), table_name='authorization_code')
    op.drop_index(op.f('ix_authorization_code_user_id'), table_name='authorization_code')
    op.drop_index(op.f('ix_authorization_code_client_pk'), table_name='authorization_code')
    op.drop_table('authorization_code')
    op.drop_index(op.f('ix_oauth_client_updated_at'), table_name='oauth_client')
    op.drop_table('oauth_client')
