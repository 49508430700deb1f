-- The assessment answers (F1-F12) of the current form of each agreement and period, with
-- the question text. answer is 1-5, null when the question could not be assessed.

with

answers as (

    select * from {{ ref('fct_followup_assessment') }}
    where is_current

),

questions as (

    select * from {{ ref('followup_questions') }}

),

final as (

    select
        answers.period,
        answers.overenskommelse_id,
        answers.question_code,
        questions.question_order,
        questions.question_text,
        answers.answer,
        answers.is_assessable,
        answers.form_id
    from answers
    left join questions
        on questions.question_code = answers.question_code

)

select * from final
