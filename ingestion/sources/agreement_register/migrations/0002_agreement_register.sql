-- Revision 0002_agreement_register (baseline): the agreement register's raw tables.
-- Taken unchanged from the bootstrap.sql that built warehouses before migrations. Idempotent (if not
-- exists): on such a warehouse it changes nothing. Created as warehouse_loader, which owns raw and meta.

set role warehouse_loader;

-- Agreement register: one raw table per delivered file, every column as delivered (text),
-- plus load metadata: the load, the snapshot date and the line in the file.
create table if not exists raw.register_overenskommelser (
    _load_id bigint not null references meta.load_audit (load_id),
    _snapshot_date date not null,
    _source_row integer not null,
    overenskommelse_id text, namn text, niva text, overordnad_id text, lanskod text,
    tecknad_datum text, giltig_from text, giltig_tom text, status text, senast_reviderad text,
    mall text, uppfoljning text, har_mal text, har_uppfoljningsprocess text,
    malgrupp_arbetsgivare text, malgrupp_arbetssokande text, samordning_etablering text,
    registrerad text
);
create table if not exists raw.register_overenskommelse_kommuner (
    _load_id bigint not null references meta.load_audit (load_id),
    _snapshot_date date not null,
    _source_row integer not null,
    overenskommelse_id text, kommunkod text, tackning text
);
create table if not exists raw.register_overenskommelse_parter (
    _load_id bigint not null references meta.load_audit (load_id),
    _snapshot_date date not null,
    _source_row integer not null,
    overenskommelse_id text, organisation text, organisationstyp text, roll text
);
create table if not exists raw.register_overenskommelse_malgrupper (
    _load_id bigint not null references meta.load_audit (load_id),
    _snapshot_date date not null,
    _source_row integer not null,
    overenskommelse_id text, malgrupp text
);
create index if not exists register_overenskommelser_load on raw.register_overenskommelser (_load_id);
create index if not exists register_overenskommelse_kommuner_load on raw.register_overenskommelse_kommuner (_load_id);
create index if not exists register_overenskommelse_parter_load on raw.register_overenskommelse_parter (_load_id);
create index if not exists register_overenskommelse_malgrupper_load on raw.register_overenskommelse_malgrupper (_load_id);

reset role;
