"""Alembic environment of the warehouse: run by ``ingestion.db.migrate`` (there is no alembic.ini).

Where the version table lives, and why this file creates roles and a schema: Alembic records the
applied revisions in ``meta.schema_migrations``, next to the load audit, where engineers look for
the warehouse's own bookkeeping. Alembic creates that table before the first revision runs, so on an
empty database ``meta`` must already exist, owned by ``warehouse_loader`` as it always was (it owns
raw and meta and writes every table there), and that role must exist first. PRELUDE below does
exactly that, with the same idempotent statements as the core revision 0001_core, which repeats
them because a revision is the permanent record of the schema and must not rely on this file. On a
warehouse built by the old bootstrap.sql the prelude changes nothing.

The version table itself belongs to the admin user who migrates, not to warehouse_loader: recording
migrations is not a load's business. ``warehouse_transformer`` may read it, like every table in meta
(0001_core grants that, and runs after Alembic has created the table).

The whole upgrade (prelude included) is one transaction on the connection ``migrate`` passes in
``config.attributes["connection"]``, under the server-wide lock ``migrate`` holds.
"""

from __future__ import annotations

from alembic import context
from alembic.runtime.migration import MigrationInfo

VERSION_TABLE = "schema_migrations"
VERSION_TABLE_SCHEMA = "meta"

PRELUDE = """
do $$
begin
  if not exists (select from pg_roles where rolname = 'warehouse_loader') then
    create role warehouse_loader nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'warehouse_transformer') then
    create role warehouse_transformer nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'analyst') then
    create role analyst nologin;
  end if;
end
$$;
do $$
begin
  execute format('grant warehouse_loader, warehouse_transformer to %I', current_user);
end
$$;
create schema if not exists meta authorization warehouse_loader;
"""


def run_migrations_online() -> None:
    """Run the revisions on the connection given by ``migrate``, recording each one applied."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Migreringar körs med ingestion.db.migrate.migrate(url), inte med alembic-kommandot.")
    applied: list[str] = config.attributes.setdefault("applied", [])

    def record(ctx, step: MigrationInfo, heads, run_args) -> None:
        applied.append(step.up_revision_id)  # on a downgrade: the revision reverted

    # Through the driver: the SQL has % (format('%I')) that SQLAlchemy's parameter handling would take.
    connection.connection.driver_connection.execute(PRELUDE)
    context.configure(
        connection=connection,
        version_table=VERSION_TABLE,
        version_table_schema=VERSION_TABLE_SCHEMA,
        on_version_apply=[record],
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline SQL generation is not supported: the revisions run SQL through the driver.")
run_migrations_online()
