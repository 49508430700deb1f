"""Baseline, agreement register: one raw table per delivered file, every column as delivered.

The SQL is in the .sql file of the same name: the statements of the bootstrap.sql that built
warehouses before migrations, unchanged and idempotent (``if not exists``), so that on such a
warehouse this revision changes nothing and is only recorded as applied (adoption).
"""

from ingestion.db.migrate import execute_sql_beside, refuse_baseline_downgrade

revision = "0002_agreement_register"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    execute_sql_beside(__file__)


def downgrade() -> None:
    refuse_baseline_downgrade(revision)
