"""related persons, refusals, service use, risk flags, intakes and advice requests join the change feed

Issue 18 asks every new client-linked record to follow the rest of the API, the change feed
included. The four case-note tables get the feed's triggers; the trigger function already takes
the client from NEW.client_id. Their scope rules (api/db/scopes.py: the client's scope and the
area's read action, which no row column decides) read only the client id, so that is what the log
keeps besides the id. Intakes (the client once converted, else none) keep the receiving agency
and branch their scope reads; advice requests the asker and the specialist.

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
# The columns each table's scope rule reads (a test checks the rules read nothing else).
SCOPE_COLUMNS = {
    **{table: ("id", "client_id") for table in CASE_NOTE_TABLES},
    "intake": ("id", "agency_id", "branch_code"),
    "advice_request": ("id", "asker_id", "specialist_id"),
}


def upgrade() -> None:
    for table, columns in SCOPE_COLUMNS.items():
        arguments = ", ".join(f"'{c}'" for c in columns)
        op.execute(f"CREATE TRIGGER change_log_insert AFTER INSERT ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION change_log_record()")
        op.execute(f"CREATE TRIGGER change_log_update AFTER UPDATE ON {table} FOR EACH ROW "
                   f"WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION change_log_record({arguments})")


def downgrade() -> None:
    for table in SCOPE_COLUMNS:
        op.execute(f"DROP TRIGGER change_log_update ON {table}")
        op.execute(f"DROP TRIGGER change_log_insert ON {table}")
    op.execute("DELETE FROM change_log WHERE resource_type IN "
               "('related_person', 'client_refusal', 'service_use', 'risk_flag', 'intake', 'advice_request')")
