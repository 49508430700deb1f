-- Assessment answers per form version x question F1-F12, for every version (is_current
-- marks the version that counts). answer is 1-5, null when the parties answered
-- 'Kan inte bedöma' (is_assessable false).

with

forms as (

    select * from {{ ref('fct_followup_form') }}

),

assessments as (

    select * from {{ ref('stg_followup_forms__assessments') }}

),

final as (

    select
        {{ surrogate_key(['assessments.form_id', 'assessments.question_code']) }} as followup_assessment_key,
        assessments.form_id,
        forms.overenskommelse_id,
        forms.period,
        forms.is_current,
        assessments.question_code,
        assessments.answer,
        assessments.is_assessable,
        assessments.answer_code,
        assessments.kommentar_utan_namn
    from assessments
    inner join forms
        on forms.form_id = assessments.form_id

)

select * from final
