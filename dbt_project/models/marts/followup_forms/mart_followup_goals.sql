-- The goals of the current form of each agreement and period, one row per goal number.
-- Target and outcome as written (text) and as numbers where they are numbers.

with

goals as (

    select * from {{ ref('fct_followup_goals') }}
    where is_current

),

final as (

    select
        period,
        overenskommelse_id,
        goal_nr,
        goal_text,
        malgrupp,
        indikator,
        enhet,
        target_value,
        target_value_numeric,
        outcome_value,
        outcome_value_numeric,
        bedomning,
        form_id
    from goals

)

select * from final
