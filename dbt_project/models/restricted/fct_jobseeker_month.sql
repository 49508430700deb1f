-- One row per person and month registered at Arbetsförmedlingen (person-level, schema
-- restricted: not readable by analysts). Incremental: a build inserts only the months whose
-- load in force (meta.registry_months, extract 'sokande') is newer than the newest _load_id
-- already here; a month delivered again has a newer load and replaces its rows: a pre-hook
-- deletes the months about to be built and the new rows are appended, in one transaction (no
-- temporary copy of half a million rows, as delete+insert would write). Rules in
-- int_registry__jobseeker_months.

{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ registry_delete_months('manad', registry_jobseeker_months_query(ref('stg_registry__months'))) }}",
        post_hook="{{ registry_analyze() }}",
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['manad', '_load_id']},
        ],
    )
}}

{%- set months = registry_months_to_build(registry_jobseeker_months_query(ref('stg_registry__months'))) %}

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
