-- Revision 0003_followup_forms (baseline): the follow-up forms' raw tables.
-- Taken unchanged from the bootstrap.sql that built warehouses before migrations. Idempotent (if not
-- exists): on such a warehouse it changes nothing. Created as warehouse_loader, which owns raw and meta.

set role warehouse_loader;

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

reset role;
