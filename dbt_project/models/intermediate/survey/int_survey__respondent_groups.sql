-- One row per answering respondent (in svar, status komplett or delvis) x group they belong to:
-- group_type total (value 'alla'), aktorstyp, lanskod, kommungrupp (SKR group code) and
-- overenskommelse_niva (agreement level). A missing value is kept as null (unknown).
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

respondents as (

    select * from {{ ref('dim_respondent') }}
    where has_answered

),

unioned as (

    select
        respondent_key,
        survey_wave_key,
        enkat_id,
        omgang,
        respondent_id,
        'total' as group_type,
        'alla' as group_value,
        'Alla' as group_label
    from respondents

    union all

    select
        respondent_key,
        survey_wave_key,
        enkat_id,
        omgang,
        respondent_id,
        'aktorstyp' as group_type,
        aktorstyp as group_value,
        aktorstyp as group_label
    from respondents

    union all

    select
        respondent_key,
        survey_wave_key,
        enkat_id,
        omgang,
        respondent_id,
        'lanskod' as group_type,
        lanskod as group_value,
        county_name as group_label
    from respondents

    union all

    select
        respondent_key,
        survey_wave_key,
        enkat_id,
        omgang,
        respondent_id,
        'kommungrupp' as group_type,
        kommungrupp_code as group_value,
        kommungrupp_name as group_label
    from respondents

    union all

    select
        respondent_key,
        survey_wave_key,
        enkat_id,
        omgang,
        respondent_id,
        'overenskommelse_niva' as group_type,
        agreement_level as group_value,
        agreement_level as group_label
    from respondents

)

select * from unioned
