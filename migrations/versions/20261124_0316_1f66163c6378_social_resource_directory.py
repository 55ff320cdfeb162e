"""social resource directory: services, locations, service_at_location, capacity and its history

Revision ID: 1f66163c6378
Revises: 76f6e1bda22a
Create Date: 2026-11-24 03:16:48.980419+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '1f66163c6378'
down_revision: str | None = '76f6e1bda22a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('location',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('agency_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postal_code', sa.String(length=16), nullable=True),
    sa.Column('branch_code', sa.String(length=32), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('accessibility', sa.String(length=1000), nullable=True),
    sa.Column('transportation', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint('(latitude IS NULL) = (longitude IS NULL)', name=op.f('ck_location_coordinates_pair')),
    sa.CheckConstraint('latitude IS NULL OR latitude BETWEEN -90 AND 90', name=op.f('ck_location_latitude')),
    sa.CheckConstraint('longitude IS NULL OR longitude BETWEEN -180 AND 180', name=op.f('ck_location_longitude')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_location_agency_id_agency')),
    sa.ForeignKeyConstraint(['branch_code'], ['branch.code'], name=op.f('fk_location_branch_code_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location'))
    )
    op.create_index(op.f('ix_location_agency_id'), 'location', ['agency_id'], unique=False)
    op.create_index(op.f('ix_location_branch_code'), 'location', ['branch_code'], unique=False)
    op.create_index(op.f('ix_location_updated_at'), 'location', ['updated_at'], unique=False)
    op.create_table('service',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('agency_id', sa.UUID(), nullable=False),
    sa.Column('name_ja', sa.String(length=200), nullable=False),
    sa.Column('name_kana', sa.String(length=200), nullable=False),
    sa.Column('sort_key', sa.String(length=200, collation='C'), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=4000), nullable=True),
    sa.Column('eligibility', sa.String(length=2000), nullable=True),
    sa.Column('min_age', sa.Integer(), nullable=True),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('cost', sa.String(length=1000), nullable=True),
    sa.Column('languages', sa.ARRAY(sa.String(length=16)), server_default='{}', nullable=False),
    sa.Column('schedule', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('application_process', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.String(length=32), server_default='active', nullable=False),
    sa.Column('closing_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint("category IN ('consultation_support', 'day_activity', 'employment_support', 'group_home', 'home_help', 'other', 'outpatient_clinic', 'peer_support', 'residential', 'trial_stay')", name=op.f('ck_service_category')),
    sa.CheckConstraint("status IN ('active', 'inactive', 'temporarily_closed')", name=op.f('ck_service_status')),
    sa.CheckConstraint('min_age IS NULL OR max_age IS NULL OR min_age <= max_age', name=op.f('ck_service_ages')),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_service_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service'))
    )
    op.create_index(op.f('ix_service_agency_id'), 'service', ['agency_id'], unique=False)
    op.create_index(op.f('ix_service_category'), 'service', ['category'], unique=False)
    op.create_index('ix_service_sort_key_id', 'service', ['sort_key', 'id'], unique=False)
    op.create_index(op.f('ix_service_updated_at'), 'service', ['updated_at'], unique=False)
    op.create_table('capacity_history',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('service_id', sa.UUID(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('maximum', sa.Integer(), nullable=True),
    sa.Column('available', sa.Integer(), nullable=False),
    sa.Column('waitlist', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('changed_by_id', sa.UUID(), nullable=True),
    sa.Column('changed_by_kind', sa.String(length=16), nullable=False),
    sa.Column('changed_by_name', sa.String(length=200), nullable=True),
    sa.Column('changed_by_role', sa.String(length=32), nullable=True),
    sa.Column('changed_by_agency_id', sa.UUID(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_capacity_history_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_capacity_history'))
    )
    op.create_index('ix_capacity_history_service_id_seq', 'capacity_history', ['service_id', 'seq'], unique=False)
    op.create_table('service_at_location',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('service_id', sa.UUID(), nullable=False),
    sa.Column('location_id', sa.UUID(), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_service_at_location_location_id_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_at_location_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_at_location')),
    sa.UniqueConstraint('service_id', 'location_id', name=op.f('uq_service_at_location_service_id_location_id'))
    )
    op.create_index(op.f('ix_service_at_location_location_id'), 'service_at_location', ['location_id'], unique=False)
    op.create_table('service_capacity',
    sa.Column('service_id', sa.UUID(), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.Column('maximum', sa.Integer(), nullable=True),
    sa.Column('available', sa.Integer(), nullable=False),
    sa.Column('waitlist', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('updated_by_id', sa.UUID(), nullable=True),
    sa.Column('updated_by_kind', sa.String(length=16), nullable=True),
    sa.Column('updated_by_name', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.CheckConstraint("unit IN ('beds', 'cases', 'persons', 'places_per_day', 'rooms')", name=op.f('ck_service_capacity_unit')),
    sa.CheckConstraint('available >= 0 AND waitlist >= 0 AND (maximum IS NULL OR maximum >= 0)', name=op.f('ck_service_capacity_non_negative')),
    sa.CheckConstraint('maximum IS NULL OR available <= maximum', name=op.f('ck_service_capacity_available_within_maximum')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_capacity_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', name=op.f('pk_service_capacity'))
    )
    op.create_index(op.f('ix_service_capacity_updated_at'), 'service_capacity', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_service_capacity_updated_at'), table_name='service_capacity')
    op.drop_table('service_capacity')
    op.drop_index(op.f('ix_service_at_location_location_id'), table_name='service_at_location')
    op.drop_table('service_at_location')
    op.drop_index('ix_capacity_history_service_id_seq', table_name='capacity_history')
    op.drop_table('capacity_history')
    op.drop_index(op.f('ix_service_updated_at'), table_name='service')
    op.drop_index('ix_service_sort_key_id', table_name='service')
    op.drop_index(op.f('ix_service_category'), table_name='service')
    op.drop_index(op.f('ix_service_agency_id'), table_name='service')
    op.drop_table('service')
    op.drop_index(op.f('ix_location_updated_at'), table_name='location')
    op.drop_index(op.f('ix_location_branch_code'), table_name='location')
    op.drop_index(op.f('ix_location_agency_id'), table_name='location')
    op.drop_table('location')
