"""referrals, their status history, message threads and third-party provision records

Revision ID: 303117b9fb89
Revises: fc69e7ebe2bf
Create Date: 2026-11-24 03:31:04.412402+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '303117b9fb89'
down_revision: str | None = 'fc69e7ebe2bf'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('referral',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('from_agency_id', sa.UUID(), nullable=False),
    sa.Column('requester_id', sa.UUID(), nullable=False),
    sa.Column('requester_kind', sa.String(length=8), nullable=False),
    sa.Column('to_agency_id', sa.UUID(), nullable=False),
    sa.Column('to_service_id', sa.UUID(), nullable=True),
    sa.Column('client_id', sa.UUID(), nullable=False),
    sa.Column('episode_id', sa.UUID(), nullable=True),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.String(length=16), server_default=sa.text("'routine'"), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default=sa.text("'draft'"), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('business_status', sa.String(length=64), nullable=True),
    sa.Column('part_of_id', sa.UUID(), nullable=True),
    sa.Column('consent_id', sa.UUID(), nullable=True),
    sa.Column('shared_fields', sa.ARRAY(sa.String(length=32)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('shared_snapshot', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('needs_summary', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint("priority IN ('routine', 'urgent')", name=op.f('ck_referral_priority')),
    sa.CheckConstraint("purpose IN ('consultation_support', 'day_activity', 'employment_support', 'group_home', 'home_help', 'housing_search', 'other', 'outpatient', 'peer_support', 'trial_stay')", name=op.f('ck_referral_purpose')),
    sa.CheckConstraint("status IN ('accepted', 'cancelled', 'completed', 'draft', 'failed', 'in_progress', 'received', 'rejected', 'requested')", name=op.f('ck_referral_status')),
    sa.CheckConstraint('to_agency_id <> from_agency_id', name=op.f('ck_referral_other_agency')),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_referral_client_id_client')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_referral_consent_id_consent')),
    sa.ForeignKeyConstraint(['episode_id'], ['episode.id'], name=op.f('fk_referral_episode_id_episode')),
    sa.ForeignKeyConstraint(['from_agency_id'], ['agency.id'], name=op.f('fk_referral_from_agency_id_agency')),
    sa.ForeignKeyConstraint(['part_of_id'], ['referral.id'], name=op.f('fk_referral_part_of_id_referral')),
    sa.ForeignKeyConstraint(['to_agency_id'], ['agency.id'], name=op.f('fk_referral_to_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    op.create_index(op.f('ix_referral_client_id'), 'referral', ['client_id'], unique=False)
    op.create_index(op.f('ix_referral_consent_id'), 'referral', ['consent_id'], unique=False)
    op.create_index('ix_referral_from_agency_status', 'referral', ['from_agency_id', 'status'], unique=False)
    op.create_index(op.f('ix_referral_part_of_id'), 'referral', ['part_of_id'], unique=False)
    op.create_index('ix_referral_to_agency_status', 'referral', ['to_agency_id', 'status'], unique=False)
    op.create_index(op.f('ix_referral_updated_at'), 'referral', ['updated_at'], unique=False)
    op.create_table('referral_message',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=False),
    sa.Column('author_kind', sa.String(length=8), nullable=False),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('author_agency_id', sa.UUID(), nullable=False),
    sa.Column('body', sa.String(length=4000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.ForeignKeyConstraint(['author_agency_id'], ['agency.id'], name=op.f('fk_referral_message_author_agency_id_agency')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_message_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_message'))
    )
    op.create_index('ix_referral_message_referral_at', 'referral_message', ['referral_id', 'created_at', 'id'], unique=False)
    op.create_table('referral_status_change',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('by_principal', sa.UUID(), nullable=True),
    sa.Column('by_agency_id', sa.UUID(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.ForeignKeyConstraint(['by_agency_id'], ['agency.id'], name=op.f('fk_referral_status_change_by_agency_id_agency')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_status_change_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_status_change'))
    )
    op.create_index('ix_referral_status_change_referral_at', 'referral_status_change', ['referral_id', 'at'], unique=False)
    op.create_table('third_party_provision',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('client_id', sa.UUID(), nullable=False),
    sa.Column('recipient_agency_id', sa.UUID(), nullable=False),
    sa.Column('referral_id', sa.UUID(), nullable=False),
    sa.Column('data_items', sa.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('data_categories', sa.ARRAY(sa.String(length=40)), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('consent_id', sa.UUID(), nullable=False),
    sa.Column('provided_by', sa.UUID(), nullable=False),
    sa.Column('provided_by_kind', sa.String(length=8), nullable=False),
    sa.Column('provided_by_name', sa.String(length=200), nullable=False),
    sa.Column('provider_agency_id', sa.UUID(), nullable=False),
    sa.Column('provided_at', sa.DateTime(timezone=True), server_default=sa.text('clock_timestamp()'), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], name=op.f('fk_third_party_provision_client_id_client')),
    sa.ForeignKeyConstraint(['consent_id'], ['consent.id'], name=op.f('fk_third_party_provision_consent_id_consent')),
    sa.ForeignKeyConstraint(['provider_agency_id'], ['agency.id'], name=op.f('fk_third_party_provision_provider_agency_id_agency')),
    sa.ForeignKeyConstraint(['recipient_agency_id'], ['agency.id'], name=op.f('fk_third_party_provision_recipient_agency_id_agency')),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_third_party_provision_referral_id_referral')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_third_party_provision'))
    )
    op.create_index('ix_third_party_provision_client_at', 'third_party_provision', ['client_id', 'provided_at', 'id'], unique=False)
    op.create_index(op.f('ix_third_party_provision_referral_id'), 'third_party_provision', ['referral_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_third_party_provision_referral_id'), table_name='third_party_provision')
    op.drop_index('ix_third_party_provision_client_at', table_name='third_party_provision')
    op.drop_table('third_party_provision')
    op.drop_index('ix_referral_status_change_referral_at', table_name='referral_status_change')
    op.drop_table('referral_status_change')
    op.drop_index('ix_referral_message_referral_at', table_name='referral_message')
    op.drop_table('referral_message')
    op.drop_index(op.f('ix_referral_updated_at'), table_name='referral')
    op.drop_index('ix_referral_to_agency_status', table_name='referral')
    op.drop_index(op.f('ix_referral_part_of_id'), table_name='referral')
    op.drop_index('ix_referral_from_agency_status', table_name='referral')
    op.drop_index(op.f('ix_referral_consent_id'), table_name='referral')
    op.drop_index(op.f('ix_referral_client_id'), table_name='referral')
    op.drop_table('referral')
