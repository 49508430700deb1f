-- One row per survey wave x question x grid row (see int_survey__questions for the condition
-- grammar and the comparable-question chain).
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

questions as (

    select * from {{ ref('int_survey__questions') }}

),

final as (

    select
        question_key,
        survey_wave_key,
        enkat_id,
        omgang,
        wave_number,
        fraga_id,
        grid_row_id,
        fragetext,
        typ,
        skala_id,
        villkor,
        condition_fraga_id,
        condition_cell,
        condition_operator,
        condition_codes,
        jamforbar_med,
        previous_omgang,
        previous_fraga_id,
        comparable_question_key,
        comparable_first_omgang,
        comparable_first_fraga_id
    from questions

)

select * from final
