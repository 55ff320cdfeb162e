"""related persons, refusals, service use and risk flags join the change feed

Issue 18 asks every new client-linked record to follow the rest of the API, the change feed
included. The four case-note tables get the feed's triggers; the trigger function already takes
the client from NEW.client_id. Their scope rules (api/db/scopes.py: the client's scope and the
area's read action, which no row column decides) read only the client id, so that is what the log
keeps besides the id.

Revision ID: 8599bc4157af
Revises: 90a7600414b6
Create Date: 2026-11-26 02:05:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '8599bc4157af'
down_revision: str | None = '90a7600414b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_NOTE_TABLES = ("related_person", "client_refusal", "service_use", "risk_flag")
SCOPE_COLUMNS = ("id", "client_id")


def upgrade() -> None:
    arguments = ", ".join(f"'{c}'" for c in SCOPE_COLUMNS)
    for table in CASE_NOTE_TABLES:
        op.execute(f"CREATE TRIGGER change_log_insert AFTER INSERT ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION change_log_record()")
        op.execute(f"CREATE TRIGGER change_log_update AFTER UPDATE ON {table} FOR EACH ROW "
                   f"WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION change_log_record({arguments})")


def downgrade() -> None:
    for table in CASE_NOTE_TABLES:
        op.execute(f"DROP TRIGGER change_log_update ON {table}")
        op.execute(f"DROP TRIGGER change_log_insert ON {table}")
    op.execute("DELETE FROM change_log WHERE resource_type IN "
               "('related_person', 'client_refusal', 'service_use', 'risk_flag')")
