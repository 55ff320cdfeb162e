"""third-party provision records are append-only, like the audit trail

第三者提供の記録 (APPI art. 29) must be kept as written for the retention period; nothing in the
service changes or deletes one, and now the database refuses it too, the application included.

Revision ID: b7e2d4c91a60
Revises: a14c0f3e5d21
Create Date: 2026-11-25 22:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'b7e2d4c91a60'
down_revision: str | None = 'a14c0f3e5d21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION third_party_provision_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'third_party_provision is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER third_party_provision_no_update_delete BEFORE UPDATE OR DELETE ON third_party_provision "
        "FOR EACH ROW EXECUTE FUNCTION third_party_provision_append_only()"
    )
    op.execute(
        "CREATE TRIGGER third_party_provision_no_truncate BEFORE TRUNCATE ON third_party_provision "
        "FOR EACH STATEMENT EXECUTE FUNCTION third_party_provision_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER third_party_provision_no_truncate ON third_party_provision")
    op.execute("DROP TRIGGER third_party_provision_no_update_delete ON third_party_provision")
    op.execute("DROP FUNCTION third_party_provision_append_only()")
