-- Participants per period x agreement x target group x sex x age group x birth region,
-- from the current form of each agreement and period. Age group and birth region are
-- 'okänd' for template 2023.1 forms. Shares are among those who ended their
-- participation, unrounded, null when nobody ended.

with

participants as (

    select * from {{ ref('fct_followup_participants') }}
    where is_current

),

summed as (

    select
        period,
        overenskommelse_id,
        malgrupp,
        kon,
        aldersgrupp,
        fodelseregion,
        sum(n_participants) as participants,
        sum(n_new) as new,
        sum(n_ended) as ended,
        sum(n_to_work) as to_work,
        sum(n_to_studies) as to_studies
    from participants
    group by period, overenskommelse_id, malgrupp, kon, aldersgrupp, fodelseregion

),

final as (

    select
        period,
        overenskommelse_id,
        malgrupp,
        kon,
        aldersgrupp,
        fodelseregion,
        cast(participants as integer) as participants,
        cast(new as integer) as new,
        cast(ended as integer) as ended,
        cast(to_work as integer) as to_work,
        cast(to_studies as integer) as to_studies,
        cast(to_work as numeric) / nullif(ended, 0) as share_to_work,
        cast(to_studies as numeric) / nullif(ended, 0) as share_to_studies,
        cast(to_work + to_studies as numeric) / nullif(ended, 0) as share_to_work_or_studies
    from summed

)

select * from final
