"""Registry months are never lost: versions of a delivery, shrink overrides, code lists as their own loads.

- ``meta.load_audit.version``: the same content may become the load in force more than once (a month
  re-sent to restore it after a wrong re-delivery). Each time is a new load with a new, higher load id
  (dbt's incremental models find what to rebuild by load ids that only grow), so the unique key of the
  audit becomes (source, checksum, version): a delivery seen again is still skipped (version 1 exists),
  and a restoration inserts the next version. ``note`` says why a load was made when it is not an
  ordinary delivery (a restoration, a forced shrink, a code-list change).
- ``meta.registry_months.rows_load_id``: the load whose rows the month's partition holds. ``load_id``
  stays the load in force, which dbt compares; after a code-list change the month's load in force is
  the code-list load (so dbt rebuilds it) while its rows are still those of the extract's load.
- ``meta.registry_overrides``: an engineer's explicit permission to load a month that shrinks below the
  configured share of the month it replaces (``python -m ingestion registry allow-shrink``).
- ``meta.registry_code_lists``: the code-list files whose content has been loaded, by checksum, so that a
  changed code list is loaded on its own, without reloading the months.
"""

from alembic import op

revision = "0009_registry_versions"
down_revision = "0008_build_record"
branch_labels = None
depends_on = None

UPGRADE = """
set role warehouse_loader;
alter table meta.load_audit add column version integer not null default 1;
alter table meta.load_audit add column note text;
create unique index load_audit_source_checksum_version on meta.load_audit (source, checksum, version);
drop index meta.load_audit_source_checksum;
comment on column meta.load_audit.version is
    'How many times this content (source, checksum) has become the load in force: 2 and up are restorations.';
comment on column meta.load_audit.note is
    'Why the load was made when it is not an ordinary delivery: a restoration, a forced shrink, a code-list change.';

alter table meta.registry_months add column rows_load_id bigint references meta.load_audit (load_id);
update meta.registry_months set rows_load_id = load_id;
alter table meta.registry_months alter column rows_load_id set not null;
comment on column meta.registry_months.rows_load_id is
    'The load whose rows the month holds (load_id is the load in force: after a code-list change, that load).';

create table meta.registry_overrides (
    checksum    text        primary key,
    manad       date        not null,
    reason      text        not null,
    granted_by  text        not null default session_user,
    granted_at  timestamptz not null default now(),
    load_id     bigint      references meta.load_audit (load_id)
);
comment on table meta.registry_overrides is
    'Explicit permissions to load a registry delivery that shrinks a month below the accepted share of the '
    'month it replaces: who, when, why, and the load that used it.';

create table meta.registry_code_lists (
    checksum    text        primary key,
    file_name   text        not null,
    load_id     bigint      references meta.load_audit (load_id),  -- null: no month uses it yet
    loaded_at   timestamptz not null default now()
);
comment on table meta.registry_code_lists is
    'Code-list files (sokandekategorier.csv, avaktualiseringsorsaker.csv) whose content has been loaded, '
    'by checksum: a changed list is loaded on its own, and the months that use it are rebuilt, not reloaded.';
reset role;
"""

DOWNGRADE = """
set role warehouse_loader;
drop table meta.registry_code_lists;
drop table meta.registry_overrides;
alter table meta.registry_months drop column rows_load_id;
delete from meta.load_audit where version > 1;
create unique index load_audit_source_checksum on meta.load_audit (source, checksum);
drop index meta.load_audit_source_checksum_version;
alter table meta.load_audit drop column note;
alter table meta.load_audit drop column version;
reset role;
"""


def upgrade() -> None:
    op.get_bind().connection.driver_connection.execute(UPGRADE)


def downgrade() -> None:
    op.get_bind().connection.driver_connection.execute(DOWNGRADE)
