-- Which follow-up forms are owed, received and received on time: one row per agreement x
-- period for every form owed (expected = true), plus one row per agreement x period for
-- which a form arrived without being owed (expected = false). Periods: those in
-- completeness scope (int_followup_forms__period_snapshots: ended, and covered by the
-- loaded register snapshots). On time = the FIRST version was submitted on or before the
-- due date (Swedish date); a later correction does not make a form late.

with

periods as (

    select * from {{ ref('int_followup_forms__period_snapshots') }}
    where is_in_completeness_scope

),

agreements_by_period as (

    select * from {{ ref('int_followup_forms__agreements_by_period') }}

),

versions as (

    select * from {{ ref('int_followup_forms__form_versions') }}

),

agreements as (

    select * from {{ ref('dim_agreement') }}
    where is_current

),

owed as (

    select overenskommelse_id, period
    from agreements_by_period
    where is_form_owed

),

received as (

    select
        overenskommelse_id,
        period,
        min(submitted_at) as first_submitted_at,
        max(submitted_at) filter (where is_current) as current_submitted_at,
        max(form_id) filter (where is_current) as current_form_id,
        count(*) as n_versions
    from versions
    where period in (select period from periods)
    group by overenskommelse_id, period

),

combined as (

    select
        coalesce(owed.overenskommelse_id, received.overenskommelse_id) as overenskommelse_id,
        coalesce(owed.period, received.period) as period,
        owed.overenskommelse_id is not null as expected,
        received.overenskommelse_id is not null as received,
        received.first_submitted_at,
        received.current_submitted_at,
        received.current_form_id,
        coalesce(received.n_versions, 0) as n_versions
    from owed
    full outer join received
        on received.overenskommelse_id = owed.overenskommelse_id
        and received.period = owed.period

),

final as (

    select
        combined.overenskommelse_id,
        combined.period,
        coalesce(agreements_by_period.niva, agreements.niva) as niva,
        combined.expected,
        combined.received,
        coalesce(
            {{ submitted_on_time('combined.first_submitted_at', 'periods.followup_due_date') }},
            false
        ) as received_on_time,
        periods.followup_due_date,
        combined.first_submitted_at,
        combined.current_submitted_at,
        combined.current_form_id,
        cast(combined.n_versions as integer) as n_versions,
        periods.register_snapshot_date,
        agreements_by_period.overenskommelse_id is not null as is_in_register_snapshot
    from combined
    inner join periods
        on periods.period = combined.period
    left join agreements_by_period
        on agreements_by_period.overenskommelse_id = combined.overenskommelse_id
        and agreements_by_period.period = combined.period
    left join agreements
        on agreements.overenskommelse_id = combined.overenskommelse_id

)

select * from final
