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

    select respondent_key, survey_wave_key, enkat_id, omgang, respondent_id, 'total' as group_type, 'alla' as group_value, 'Alla' as group_label
    from respondents
    union all
    select respondent_key, survey_wave_key, enkat_id, omgang, respondent_id, 'aktorstyp', aktorstyp, aktorstyp
    from respondents
    union all
    select respondent_key, survey_wave_key, enkat_id, omgang, respondent_id, 'lanskod', lanskod, county_name
    from respondents
    union all
    select respondent_key, survey_wave_key, enkat_id, omgang, respondent_id, 'kommungrupp', kommungrupp_code, kommungrupp_name
    from respondents
    union all
    select respondent_key, survey_wave_key, enkat_id, omgang, respondent_id, 'overenskommelse_niva', agreement_level, agreement_level
    from respondents

)

select * from unioned
