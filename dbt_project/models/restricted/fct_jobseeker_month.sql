-- One row per person and month registered at Arbetsförmedlingen (person-level, schema
-- restricted: not readable by analysts). Partitioned by month (materialization
-- registry_month_partitioned): a build fills only the partitions of the months whose load in
-- force (meta.registry_months, extract 'sokande') is newer than the newest _load_id already
-- here; a month delivered again has a newer load and its partition is replaced, in one
-- transaction. Rules in int_registry__jobseeker_months.
-- depends_on: {{ ref('stg_registry__months') }}

{{
    config(
        materialized='registry_month_partitioned',
        partition_column='manad',
        pre_hook="{{ registry_hash_joins_only() }}",
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['manad', '_load_id']},
        ],
    )
}}

with

jobseeker_months as (

    select * from {{ ref('int_registry__jobseeker_months') }}

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
