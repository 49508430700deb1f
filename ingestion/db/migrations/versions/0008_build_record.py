"""The record of builds in the warehouse itself: ``meta.builds``, one row per dbt build.

Why in the warehouse: ``make run`` used to remember the newest load it had built in a file beside the
checkout, keyed by the database's name. A warehouse dropped and created again under that name (or restored
from a backup) was then never built: every delivery loaded, and the run said "unchanged" over an empty
``marts``. A row here lives and dies with the data it describes, so a new or restored database has no
record of a build it never had, and gets built.

What a row says: when the build asked for the build lock, when it got it and when it ended, how it ended,
the dbt selection (null: the whole warehouse) and the loads it was built from: every ``load_id`` of
``meta.load_audit`` at the moment it took the lock (the set, not only the highest id, as two loads may commit
out of id order), and the highest per source for the reader. "Unchanged since the last build" is that set
compared with the audit now (``ingestion.orchestration.transform.unchanged_since_last_build``).

Owned by warehouse_loader like every meta table; written by warehouse_transformer, the role that builds
(``select`` it already has on meta by default privileges, ``insert`` and ``update`` are granted here). No
grant to analyst, who reads ``marts`` only.
"""

from alembic import op

revision = "0008_build_record"
down_revision = "0007_pseudonym_scheme"
branch_labels = None
depends_on = None

TABLE_COMMENT = (
    "One row per dbt build of this warehouse (ingestion.orchestration.transform.dbt_build), written by "
    "warehouse_transformer under the build lock: when it ran, how it ended, its selection and the loads it was "
    "built from. make run builds only when meta.load_audit differs from the last successful full build here."
)
COLUMNS = {
    "build_id": "Identity of the build.",
    "requested_at": "When the build asked for the build lock (it waits while another build runs).",
    "started_at": "When it got the lock and dbt started.",
    "ended_at": "When dbt ended (null while it runs).",
    "status": "running, succeeded, failed, or interrupted (a running build found by the next one: its process "
    "died without recording the end).",
    "selection": "The dbt selection built (--select); null for the whole warehouse.",
    "load_ids": "Every load_id of meta.load_audit when the build took the lock: what it was built from.",
    "newest_load_ids": "The highest of those load ids per source, as JSON (source -> load_id).",
    "run_id": "The pipeline run (Airflow run id) that built it, if any.",
}


def _literal(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def _execute(statements: str) -> None:
    # Through the driver: comment texts may hold % or :word, which SQLAlchemy would take for parameters.
    op.get_bind().connection.driver_connection.execute(statements)


def upgrade() -> None:
    comments = "\n".join(
        f"comment on column meta.builds.{column} is {_literal(text)};" for column, text in COLUMNS.items()
    )
    _execute(
        f"""
        set role warehouse_loader;
        create table meta.builds (
            build_id        bigint generated always as identity primary key,
            requested_at    timestamptz not null,
            started_at      timestamptz not null default clock_timestamp(),
            ended_at        timestamptz,
            status          text        not null default 'running'
                            check (status in ('running', 'succeeded', 'failed', 'interrupted')),
            selection       text,
            load_ids        bigint[]    not null,
            newest_load_ids jsonb       not null,
            run_id          text
        );
        create index builds_succeeded_full on meta.builds (build_id) where status = 'succeeded' and selection is null;
        grant insert, update on meta.builds to warehouse_transformer;
        comment on table meta.builds is {_literal(TABLE_COMMENT)};
        {comments}
        reset role;
        """
    )


def downgrade() -> None:
    _execute("set role warehouse_loader;\ndrop table meta.builds;\nreset role;")
