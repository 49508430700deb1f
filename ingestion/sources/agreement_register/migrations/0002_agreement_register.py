"""Baseline, agreement register: one raw table per delivered file, every column as delivered.

The SQL is in the .sql file of the same name: the statements of the bootstrap.sql that built
warehouses before migrations, unchanged and idempotent (``if not exists``), so that on such a
warehouse this revision changes nothing and is only recorded as applied (adoption).
"""

from pathlib import Path

from alembic import op

revision = "0002_agreement_register"
down_revision = "0001_core"
branch_labels = None
depends_on = None

SQL = Path(__file__).with_suffix(".sql")


def upgrade() -> None:
    # Through the driver: the SQL has % and :: that SQLAlchemy's parameter handling would take.
    op.get_bind().connection.driver_connection.execute(SQL.read_text(encoding="utf-8"))


def downgrade() -> None:
    raise RuntimeError(f"the baseline cannot be downgraded ({revision}): it would drop the warehouse's data")
