"""webhook subscriptions, the outbox and the delivery log

Revision ID: 76f6e1bda22a
Revises: 94a98cd90683
Create Date: 2026-11-24 03:17:01.103815+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '76f6e1bda22a'
down_revision: str | None = '94a98cd90683'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_subscription',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('agency_id', sa.UUID(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('events', sa.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('previous_secret', sa.String(length=128), nullable=True),
    sa.Column('previous_secret_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_webhook_subscription_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription'))
    )
    op.create_index(op.f('ix_webhook_subscription_agency_id'), 'webhook_subscription', ['agency_id'], unique=False)
    op.create_index(op.f('ix_webhook_subscription_updated_at'), 'webhook_subscription', ['updated_at'], unique=False)
    op.create_table('webhook_outbox',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('subscription_id', sa.UUID(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=40), nullable=False),
    sa.Column('resource_id', sa.UUID(), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), server_default=sa.text("'pending'"), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('dead', 'delivered', 'pending')", name=op.f('ck_webhook_outbox_status')),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'], name=op.f('fk_webhook_outbox_subscription_id_webhook_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_outbox')),
    sa.UniqueConstraint('subscription_id', 'event_id', name=op.f('uq_webhook_outbox_subscription_id_event_id'))
    )
    op.create_index('ix_webhook_outbox_due', 'webhook_outbox', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_webhook_outbox_subscription_created', 'webhook_outbox', ['subscription_id', 'created_at', 'id'], unique=False)
    op.create_table('webhook_delivery_attempt',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('delivery_id', sa.UUID(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_outbox.id'], name=op.f('fk_webhook_delivery_attempt_delivery_id_webhook_outbox'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery_attempt'))
    )
    op.create_index('ix_webhook_delivery_attempt_delivery_at', 'webhook_delivery_attempt', ['delivery_id', 'at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_attempt_delivery_at', table_name='webhook_delivery_attempt')
    op.drop_table('webhook_delivery_attempt')
    op.drop_index('ix_webhook_outbox_subscription_created', table_name='webhook_outbox')
    op.drop_index('ix_webhook_outbox_due', table_name='webhook_outbox', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('webhook_outbox')
    op.drop_index(op.f('ix_webhook_subscription_updated_at'), table_name='webhook_subscription')
    op.drop_index(op.f('ix_webhook_subscription_agency_id'), table_name='webhook_subscription')
    op.drop_table('webhook_subscription')
