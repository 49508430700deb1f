-- Revision 0005_registry (baseline): the registry extracts' raw tables and meta tables.
-- Taken unchanged from the bootstrap.sql that built warehouses before migrations. Idempotent (if not
-- exists): on such a warehouse it changes nothing. Created as warehouse_loader, which owns raw and meta.

set role warehouse_loader;

-- Registry extracts (registerutdrag): person-level, the only sensitive data in the warehouse.
-- The personnummer never reaches the database: the loader replaces it by person_id, a keyed
-- pseudonym (BLAKE2b-128 keyed with a secret that is not in the repository). Rows are validated
-- before COPY (so dbt's casts cannot fail), but kept as delivered text like every raw table: typing
-- is done once per month by dbt's incremental models, not on the load's critical path. Nothing here is readable by analysts (raw and meta are
-- not granted to them); dbt's person-level models live in the schema "restricted", also closed.
--
-- Job seekers: one partition per month (raw.registry_jobseekers_yYYYYmMM). A month delivered
-- again is loaded into a new table and swapped in for the old partition in one transaction.
-- The template holds the columns; the partitioned table and every month's table are made LIKE it.
create table if not exists raw.registry_jobseekers_template (
    _load_id bigint not null,           -- meta.load_audit (no FK: it would cost a check per row)
    _source_row integer not null,       -- line in the file (the header is line 1)
    person_id uuid not null,            -- keyed pseudonym of PNR
    manad date not null,                -- MANAD as the first day of the month
    kommunkod text not null,            -- 4 digits (a missing leading zero restored)
    kon text not null,                  -- K | M
    fodelsear text not null,            -- 4 digits
    fodelseregion text not null,        -- SE | EU | UE
    sokandekategori text,               -- 2 digits, null if the person left during the month
    etablering text,                    -- J | N | null, as delivered
    funktionsnedsattning text,          -- J | N | null
    ekonomiskt_bistand text,            -- J | N | null
    inskrivningsdatum text not null,    -- YYYY-MM-DD (a real date: checked before loading)
    avaktualiseringsdatum text,         -- YYYY-MM-DD, within the month
    avaktualiseringsorsak text,
    projektkod text
);
comment on table raw.registry_jobseekers_template is
    'Column template of raw.registry_jobseekers and of each month''s table before it is attached. Always empty.';
create table if not exists raw.registry_jobseekers (like raw.registry_jobseekers_template) partition by range (manad);

-- Code lists, delivered with every extract and loaded with it (one copy per month).
create table if not exists raw.registry_sokandekategorier (
    _load_id bigint not null references meta.load_audit (load_id),
    manad date not null,
    kod text not null, benamning text, grupp text not null
);
create table if not exists raw.registry_avaktualiseringsorsaker (
    _load_id bigint not null references meta.load_audit (load_id),
    manad date not null,
    kod text not null, benamning text, utfall text not null
);

-- Local job tracks: full snapshots at the end of each month (a month again replaces it).
create table if not exists raw.registry_jobtracks (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer not null,
    manad date not null,
    projektkod text not null, namn text, kommunkoder text not null, typ text not null, bransch text,
    startdatum date, slutdatum date, status text not null, antal_arbetsgivare integer
);
create table if not exists raw.registry_jobtrack_participants (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer not null,
    manad date not null,
    projektkod text not null,
    person_id uuid not null,            -- keyed pseudonym of PNR
    startdatum date, slutdatum date,
    avbrott boolean not null,
    aktivitet_efter text
);
create index if not exists registry_jobtracks_manad on raw.registry_jobtracks (manad);
create index if not exists registry_jobtrack_participants_manad on raw.registry_jobtrack_participants (manad);

-- The load currently in force per extract and month (written in the same transaction as the swap);
-- dbt's incremental models compare these load ids with what they have already built.
create table if not exists meta.registry_months (
    extract     text    not null check (extract in ('sokande', 'jobbspar')),
    manad       date    not null,
    load_id     bigint  not null references meta.load_audit (load_id),
    n_rows      integer not null,
    n_rejected  integer not null,
    replaced_load_id bigint,            -- the load this one replaced, if the month came again
    primary key (extract, manad)
);

-- Rows set aside because they break the contract (up to 0.1 % of a file): the line and the
-- reason only, never the personnummer or any other value of the row.
create table if not exists meta.registry_rejects (
    load_id     bigint  not null references meta.load_audit (load_id),
    file_name   text    not null,
    manad       date    not null,
    line_number integer not null,
    column_name text,
    reason      text    not null
);

reset role;
