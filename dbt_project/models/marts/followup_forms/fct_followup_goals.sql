-- Goals per form version x goal number, for every version (is_current marks the version
-- that counts). Goal text and comment are the name-stripped copies.

with

forms as (

    select * from {{ ref('fct_followup_form') }}

),

goals as (

    select * from {{ ref('stg_followup_forms__goals') }}

),

final as (

    select
        {{ surrogate_key(['goals.form_id', 'goals.goal_nr']) }} as followup_goal_key,
        goals.form_id,
        forms.overenskommelse_id,
        forms.period,
        forms.is_current,
        goals.goal_nr,
        goals.goal_text,
        goals.malgrupp,
        goals.indikator,
        goals.enhet,
        goals.target_value,
        goals.target_value_numeric,
        goals.outcome_value,
        goals.outcome_value_numeric,
        goals.bedomning,
        goals.kommentar_utan_namn
    from goals
    inner join forms
        on forms.form_id = goals.form_id

)

select * from final
