"""the webhook delivery log keeps coarse outcomes only

Attempts logged before this revision carry the network error's text (`ConnectError: [Errno 111]
Connection refused`, `ReadError…`) and `HTTP 503`: a subscriber reading its delivery log learnt
what answered where inside the ward's network (issue 14, finding 3). They become the classes the
dispatcher now writes (`unreachable`, `http_5xx`). The detail is not kept, so the downgrade leaves
the classes in place.

Revision ID: d5a1e9b3c802
Revises: c3d9a8f2e147
Create Date: 2026-11-25 22:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'd5a1e9b3c802'
down_revision: str | None = 'c3d9a8f2e147'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLASSES = ('http_1xx', 'http_2xx', 'http_3xx', 'http_4xx', 'http_5xx', 'unreachable', 'address_not_allowed')


def _scrub(table: str, column: str) -> None:
    kept = ", ".join(f"'{c}'" for c in CLASSES)
    op.execute(f"""
        UPDATE {table} SET {column} = CASE
            WHEN {column} ~ '^HTTP [1-5][0-9][0-9]$' THEN 'http_' || substr({column}, 6, 1) || 'xx'
            ELSE 'unreachable' END
        WHERE {column} IS NOT NULL AND {column} NOT IN ({kept})
    """)


def upgrade() -> None:
    _scrub('webhook_delivery_attempt', 'error')
    _scrub('webhook_outbox', 'last_error')


def downgrade() -> None:
    pass  # the network detail is gone for good; the classes read fine under the old code
