"""Baseline, follow-up forms: the parsed forms, goals, assessments and participant counts.

The SQL is in the .sql file of the same name: the statements of the bootstrap.sql that built
warehouses before migrations, unchanged and idempotent (``if not exists``), so that on such a
warehouse this revision changes nothing and is only recorded as applied (adoption).
"""

from ingestion.db.migrate import execute_sql_beside, refuse_baseline_downgrade

revision = "0003_followup_forms"
down_revision = "0002_agreement_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_beside(__file__)


def downgrade() -> None:
    refuse_baseline_downgrade(revision)
