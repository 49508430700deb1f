-- One row per survey wave x respondent in the sample frame (urval), with the answer status
-- (svar), geography and agreement level.
--   lanskod: from urval, else the county of the municipality.
--   agreement_level: niva of the agreement in the register (dim_agreement: the version valid
--   on the wave's closing date, else the latest version); an id not in the register gets its
--   level from the id prefix: RÖK -> regional, LÖK or ÖK -> lokal (agreement_level_source).
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

sample as (

    select * from {{ ref('stg_survey__sample') }}

),

responses as (

    select * from {{ ref('stg_survey__responses') }}

),

waves as (

    select * from {{ ref('stg_survey__waves') }}

),

municipalities as (

    select * from {{ ref('dim_municipality') }}

),

counties as (

    select * from {{ ref('dim_county') }}

),

agreement_versions as (

    select distinct on (sample.enkat_id, sample.omgang, sample.overenskommelse_id)
        sample.enkat_id,
        sample.omgang,
        sample.overenskommelse_id,
        agreements.niva
    from sample
    inner join waves
        on waves.enkat_id = sample.enkat_id
        and waves.omgang = sample.omgang
    inner join {{ ref('dim_agreement') }} as agreements
        on agreements.overenskommelse_id = sample.overenskommelse_id
    order by
        sample.enkat_id asc,
        sample.omgang asc,
        sample.overenskommelse_id asc,
        (agreements.valid_from <= coalesce(waves.stangd, waves.oppnad)
            and (agreements.valid_to is null or agreements.valid_to > coalesce(waves.stangd, waves.oppnad))) desc,
        agreements.valid_from desc

),

joined as (

    select
        sample.enkat_id,
        sample.omgang,
        sample.respondent_id,
        sample.aktorstyp,
        sample.organisation,
        sample.kommunkod,
        municipalities.municipality_name,
        coalesce(sample.lanskod, municipalities.lanskod) as lanskod,
        municipalities.kommungrupp_code,
        municipalities.kommungrupp_name,
        sample.overenskommelse_id,
        case
            when agreement_versions.niva is not null then agreement_versions.niva
            when sample.overenskommelse_id like 'RÖK%' then 'regional'
            when sample.overenskommelse_id like 'LÖK%' or sample.overenskommelse_id like 'ÖK%' then 'lokal'
        end as agreement_level,
        case
            when agreement_versions.niva is not null then 'register'
            when sample.overenskommelse_id ~ '^(RÖK|LÖK|ÖK)' then 'id_prefix'
        end as agreement_level_source,
        sample.utskick,
        sample.utskick = 'felaktig_kontakt' as is_bad_contact,
        responses.respondent_id is not null as is_in_responses,
        responses.status,
        responses.besvarad,
        coalesce(responses.status in ('komplett', 'delvis'), false) as has_answered
    from sample
    left join municipalities
        on municipalities.kommunkod = sample.kommunkod
    left join agreement_versions
        on agreement_versions.enkat_id = sample.enkat_id
        and agreement_versions.omgang = sample.omgang
        and agreement_versions.overenskommelse_id = sample.overenskommelse_id
    left join responses
        on responses.enkat_id = sample.enkat_id
        and responses.omgang = sample.omgang
        and responses.respondent_id = sample.respondent_id

),

final as (

    select
        {{ surrogate_key(['joined.enkat_id', 'joined.omgang', 'joined.respondent_id']) }} as respondent_key,
        {{ surrogate_key(['joined.enkat_id', 'joined.omgang']) }} as survey_wave_key,
        joined.enkat_id,
        joined.omgang,
        joined.respondent_id,
        joined.aktorstyp,
        joined.organisation,
        joined.kommunkod,
        joined.municipality_name,
        joined.lanskod,
        counties.county_name,
        joined.kommungrupp_code,
        joined.kommungrupp_name,
        joined.overenskommelse_id,
        joined.agreement_level,
        joined.agreement_level_source,
        joined.utskick,
        joined.is_bad_contact,
        joined.is_in_responses,
        joined.status,
        joined.besvarad,
        joined.has_answered
    from joined
    left join counties
        on counties.lanskod = joined.lanskod

)

select * from final
