"""webhook signing secrets are stored encrypted: room for the envelope

Secrets are now kept as `enc:v1:<key id>:<base64(nonce || AES-GCM ciphertext)>` (api/secret_box.py)
with keys outside the database. The key is not available here, so secrets stored before this
revision stay readable as they are and are encrypted by the service's background purge round (or
at once by `python -m api reencrypt-secrets`). Downgrading is only possible while no stored value
is longer than the old column (that is, before anything was encrypted, or after decrypting).

Revision ID: c3d9a8f2e147
Revises: b7e2d4c91a60
Create Date: 2026-11-25 22:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c3d9a8f2e147'
down_revision: str | None = 'b7e2d4c91a60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for column in ('secret', 'previous_secret'):
        op.alter_column('webhook_subscription', column, type_=sa.String(length=300),
                        existing_type=sa.String(length=128), existing_nullable=column == 'previous_secret')


def downgrade() -> None:
    for column in ('secret', 'previous_secret'):
        op.alter_column('webhook_subscription', column, type_=sa.String(length=128),
                        existing_type=sa.String(length=300), existing_nullable=column == 'previous_secret')
