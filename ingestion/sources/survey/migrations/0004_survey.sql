-- Revision 0004_survey (baseline): the survey exports' raw tables.
-- Taken unchanged from the bootstrap.sql that built warehouses before migrations. Idempotent (if not
-- exists): on such a warehouse it changes nothing. Created as warehouse_loader, which owns raw and meta.

set role warehouse_loader;

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

reset role;
