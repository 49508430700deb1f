-- The parties' joint judgement of how far the collaboration has come (the collaboration
-- staircase: samtal 1 < samsyn 2 < samverkan 3 < samhandling 4), per agreement and period
-- from the current form, compared with the agreement's previous form (the current form of
-- the latest earlier period with a form, not necessarily the period just before).
-- movement: upp, ned, oförändrad; null for the agreement's first form or when either
-- level is missing.

with

forms as (

    select * from {{ ref('fct_followup_form') }}
    where is_current

),

stepped as (

    select
        period,
        overenskommelse_id,
        samverkansniva,
        {{ collaboration_level_step('samverkansniva') }} as samverkansniva_step,
        form_id
    from forms

),

with_previous as (

    select
        period,
        overenskommelse_id,
        samverkansniva,
        samverkansniva_step,
        lag(period) over agreement_periods as previous_period,
        lag(samverkansniva) over agreement_periods as previous_samverkansniva,
        lag(samverkansniva_step) over agreement_periods as previous_samverkansniva_step,
        form_id
    from stepped
    window agreement_periods as (partition by overenskommelse_id order by period)

),

final as (

    select
        period,
        overenskommelse_id,
        samverkansniva,
        samverkansniva_step,
        previous_period,
        previous_samverkansniva,
        previous_samverkansniva_step,
        case
            when samverkansniva_step > previous_samverkansniva_step then 'upp'
            when samverkansniva_step < previous_samverkansniva_step then 'ned'
            when samverkansniva_step = previous_samverkansniva_step then 'oförändrad'
        end as movement,
        form_id
    from with_previous

)

select * from final
