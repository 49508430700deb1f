-- One row per respondent x question x grid row (matris) x chosen option (flerval): every
-- answer given, including answers to questions the respondent should not have been asked
-- (is_flagged_not_asked; kept here, left out of all results). fritext answers only say that
-- the question was answered: the text stays in raw.
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

answers as (

    select * from {{ ref('stg_survey__answers') }}

),

respondent_questions as (

    select * from {{ ref('int_survey__respondent_questions') }}

),

questions as (

    select * from {{ ref('dim_question') }}

),

answer_options as (

    select * from {{ ref('dim_answer_option') }}

),

final as (

    select
        {{ surrogate_key([
            'answers.enkat_id', 'answers.omgang', 'answers.respondent_id',
            'answers.fraga_id', 'answers.grid_row_id', 'answers.answer_code'
        ]) }} as survey_answer_key,
        {{ surrogate_key(['answers.enkat_id', 'answers.omgang']) }} as survey_wave_key,
        {{ surrogate_key(['answers.enkat_id', 'answers.omgang', 'answers.respondent_id']) }} as respondent_key,
        questions.question_key,
        answer_options.answer_option_key,
        answers.enkat_id,
        answers.omgang,
        answers.respondent_id,
        answers.fraga_id,
        answers.grid_row_id,
        answers.typ,
        answers.answer_code,
        answer_options.etikett as answer_label,
        case
            when answers.typ = 'flerval' then coalesce(answer_options.is_substantive, true)
            else answer_options.is_substantive
        end as is_substantive,
        answers.answer_number,
        answers.is_text_answer,
        coalesce(respondent_questions.is_asked, true) as is_asked,
        coalesce(respondent_questions.is_flagged_not_asked, false) as is_flagged_not_asked,
        answers.kolumn as source_column,
        answers.source_row,
        answers.load_id
    from answers
    left join questions
        on questions.enkat_id = answers.enkat_id
        and questions.omgang = answers.omgang
        and questions.fraga_id = answers.fraga_id
        and questions.grid_row_id is not distinct from answers.grid_row_id
    left join answer_options
        on answer_options.enkat_id = answers.enkat_id
        and answer_options.omgang = answers.omgang
        and answer_options.skala_id = questions.skala_id
        and answer_options.kod = answers.answer_code
    left join respondent_questions
        on respondent_questions.enkat_id = answers.enkat_id
        and respondent_questions.omgang = answers.omgang
        and respondent_questions.respondent_id = answers.respondent_id
        and respondent_questions.question_key = questions.question_key

)

select * from final
