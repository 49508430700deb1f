-- Schemas by layer, roles, raw tables and the load audit. Idempotent: run on every start.
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

-- Follow-up forms (uppföljningsformulär): workbooks and web-tool exports parsed into one model.
-- One row per received form version; values normalised by the parser (canonical period, 4-digit
-- municipality codes, lower-case codes), free text as delivered (raw is not readable by analysts)
-- plus a copy with recognisable personal names removed (*_utan_namn), the only one dbt passes on.
create table if not exists raw.followup_forms (
    _load_id bigint not null references meta.load_audit (load_id),
    form_id text not null,              -- web tool: formular_id; workbook: 'xlsx-' + file checksum
    source_format text not null,        -- xlsx | csv
    source_file text not null,
    content_checksum text not null,     -- checksum of the parsed content (same form in two exports)
    overenskommelse_id text not null,
    period text not null,               -- canonical, e.g. 2024H1
    period_as_written text,
    template_version text,              -- 2023.1 | 2024.1
    submitted_at timestamptz not null,
    submitted_at_basis text not null,   -- webbverktyget | dokumentegenskap | ankomsttid
    overenskommelse_namn text,
    kommuner_as_written text,
    kommunkoder text,                   -- comma-separated 4-digit codes
    motesdatum date,
    deltagande_parter text,
    deltagande_parter_utan_namn text,
    samverkansniva text                 -- samtal | samsyn | samverkan | samhandling
);
create unique index if not exists followup_forms_form_id on raw.followup_forms (form_id);
create table if not exists raw.followup_goals (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    form_id text not null,
    nr integer not null,
    mal text, mal_utan_namn text,
    malgrupp text,
    indikator text,
    enhet text,                         -- antal | andel | ja/nej
    malvarde text,                      -- number with '.' decimal, or ja/nej
    utfall text,
    bedomning text,                     -- uppnatt | delvis_uppnatt | ej_uppnatt | kan_inte_bedoma
    kommentar text, kommentar_utan_namn text
);
create table if not exists raw.followup_assessments (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    form_id text not null,
    fraga text not null,                -- F1 .. F12
    svar text,                          -- 1..5 | kan_inte_bedoma
    kommentar text, kommentar_utan_namn text
);
create table if not exists raw.followup_participants (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    form_id text not null,
    malgrupp text not null,
    kon text not null,                  -- kvinnor | man
    aldersgrupp text,                   -- 16-24 | 25-29 | 30-64 (template 2024.1), else null
    fodelseregion text,                 -- sverige | utrikes (template 2024.1), else null
    deltagare integer not null,
    nya integer not null,
    avslutade integer not null,
    till_arbete integer not null,
    till_studier integer not null
);
create index if not exists followup_goals_form on raw.followup_goals (form_id);
create index if not exists followup_assessments_form on raw.followup_assessments (form_id);
create index if not exists followup_participants_form on raw.followup_participants (form_id);

-- Survey exports (enkätexporter): any survey, any wave. Every file kept as delivered, with the
-- wide answer file turned long (one row per non-empty answer cell), so no table depends on one
-- survey's questions. Every table carries the survey and wave it belongs to.
create table if not exists raw.survey_waves (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text, namn text, oppnad text, stangd text, enhet text,
    encoding text                       -- utf-8-sig | utf-8 | cp1252: as detected
);
create table if not exists raw.survey_questions (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text,
    fraga_id text, delfraga text, fragetext text, typ text, skala_id text, villkor text, jamforbar_med text
);
create table if not exists raw.survey_scales (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text,
    skala_id text, kod text, etikett text, substantiell text, ordning text
);
create table if not exists raw.survey_sample (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text,
    respondent_id text, kommunkod text, lanskod text, organisation text, aktorstyp text,
    overenskommelse_id text, utskick text
);
create table if not exists raw.survey_responses (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text,
    respondent_id text, status text, besvarad text
);
create table if not exists raw.survey_answers (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text,
    respondent_id text,
    kolumn text,                        -- the column as delivered: Q2, Q3_2, Q4_r1, Q5
    fraga_id text,                      -- the codebook question it belongs to
    delfraga text,                      -- grid row (matris) or option code (flerval), else null
    varde text                          -- the cell as delivered (free text included: raw only)
);
create table if not exists raw.survey_coding (
    _load_id bigint not null references meta.load_audit (load_id),
    _source_row integer,
    enkat_id text, omgang text,
    respondent_id text, fraga_id text, tema text, kod text
);
create index if not exists survey_answers_load on raw.survey_answers (_load_id);
create index if not exists survey_answers_wave on raw.survey_answers (enkat_id, omgang);

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

-- The fingerprint (a MAC of a constant, not the key) of the pseudonymisation key the warehouse was
-- first loaded with: a load with another key is refused, as its pseudonyms would not link.
create table if not exists meta.pseudonym_key (
    fingerprint text not null,
    first_used  timestamptz not null default now()
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
