-- One row per person and month registered at Arbetsförmedlingen (person-level, schema
-- restricted: not readable by analysts). Incremental: a build inserts only the months whose
-- load in force (meta.registry_months, extract 'sokande') is newer than the newest _load_id
-- already here; a month delivered again has a newer load and replaces its rows (delete+insert
-- on manad). Rules in int_registry__jobseeker_months.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='manad',
        on_schema_change='fail',
        post_hook="{{ registry_analyze() }}",
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['manad', '_load_id']},
        ],
    )
}}

{%- set months_query -%}
    select to_char(manad, 'YYYY-MM-DD')
    from {{ ref('stg_registry__months') }}
    where extract_name = 'sokande' and load_id > {{ registry_watermark_sql() }}
    order by manad
{%- endset -%}
{%- set months = registry_months_to_build(months_query) %}

with

jobseeker_months as (

    select * from {{ ref('int_registry__jobseeker_months') }}
    where {{ registry_in_months('manad', months) }}

),

final as (

    select
        person_id,
        manad,
        kommunkod,
        lanskod,
        kon,
        fodelsear,
        alder,
        fodelseregion,
        sokandekategori,
        grupp,
        is_registered_unemployed,
        is_in_programme,
        inskrivningsdatum,
        avaktualiseringsdatum,
        avaktualiseringsorsak,
        utfall,
        ended,
        ended_to_work,
        ended_to_studies,
        etablering,
        unga,
        nyanlanda,
        funktionsnedsattning,
        ekonomiskt_bistand,
        utrikes_fodda_kvinnor,
        langtidsarbetslosa,
        projektkod,
        load_id as _load_id
    from jobseeker_months

)

select * from final
