"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Revision id: NNNN_what_changes, at most 32 characters (the version table's column), down_revision the
current head. Say why the schema changes, and write downgrade() unless it would lose data (then raise, saying so).
Plain SQL is fine: op.execute("..."), or op.get_bind().connection.driver_connection.execute(sql) when
the SQL holds % or :name that SQLAlchemy would take for parameters. DDL on tables in raw or meta runs
as warehouse_loader (set role warehouse_loader; ... reset role;), which owns them.
"""

from alembic import op
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
branch_labels: str | None = ${repr(branch_labels)}
depends_on: str | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
