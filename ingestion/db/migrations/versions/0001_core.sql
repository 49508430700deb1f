-- Revision 0001_core (baseline): roles, grants, schemas by layer and the meta tables every source
-- writes to. Taken unchanged from the bootstrap.sql that built warehouses before migrations (only
-- meta.pseudonym_key moved here from the registry section); every statement is idempotent, so on
-- a warehouse built by that script this revision changes nothing and is only recorded as applied.
--
-- Roles are cluster-wide and NOLOGIN: the pipeline connects as the admin user and does SET ROLE,
-- analysts get their own LOGIN user that is a member of "analyst".
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

-- The admin user must be able to SET ROLE to the pipeline roles.
do $$
begin
  execute format('grant warehouse_loader, warehouse_transformer to %I', current_user);
end
$$;

revoke all on schema public from public;

create schema if not exists raw authorization warehouse_loader;
create schema if not exists meta authorization warehouse_loader;
create schema if not exists staging authorization warehouse_transformer;
create schema if not exists intermediate authorization warehouse_transformer;
create schema if not exists marts authorization warehouse_transformer;
-- Person-level models built by dbt from the registry extracts: no grant to analyst, ever.
create schema if not exists restricted authorization warehouse_transformer;
revoke all on schema restricted from public;

-- Transformer reads raw and meta; analyst reads marts and nothing else.
grant usage on schema raw, meta to warehouse_transformer;
grant select on all tables in schema raw, meta to warehouse_transformer;
alter default privileges for role warehouse_loader in schema raw grant select on tables to warehouse_transformer;
alter default privileges for role warehouse_loader in schema meta grant select on tables to warehouse_transformer;

grant usage on schema marts to analyst;
grant select on all tables in schema marts to analyst;
alter default privileges for role warehouse_transformer in schema marts grant select on tables to analyst;

set role warehouse_loader;

create table if not exists meta.load_audit (
    load_id        bigint generated always as identity primary key,
    source         text        not null,
    delivery_name  text        not null,
    checksum       text        not null,
    snapshot_date  date,
    row_counts     jsonb       not null,
    n_rows         integer     not null,
    status         text        not null check (status in ('loaded')),
    run_id         text,
    loaded_at      timestamptz not null default now()
);
comment on table meta.load_audit is
    'One row per delivery loaded into raw, written in the same transaction as its rows. '
    'Rejected deliveries never reach the database (see the quarantine folder); '
    'a delivery with a checksum already here is skipped.';
create unique index if not exists load_audit_source_checksum on meta.load_audit (source, checksum);

-- The fingerprint (a MAC of a constant, not the key) of the pseudonymisation key the warehouse was
-- first loaded with: a load with another key is refused, as its pseudonyms would not link.
create table if not exists meta.pseudonym_key (
    fingerprint text not null,
    first_used  timestamptz not null default now()
);

reset role;
