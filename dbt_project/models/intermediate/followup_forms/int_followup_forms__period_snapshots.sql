-- Every half-year period with the register snapshot used to decide which agreements owe
-- a form for it: the latest snapshot taken on or before the period's last day (the
-- register as it stood when the period ended); when there is none, the earliest snapshot
-- after it.
--
-- Completeness scope (is_in_completeness_scope): periods that have ended (end_date before
-- the as-of date, macro followup_as_of_date) and are covered by the loaded snapshots, i.e.
-- from the period of the first snapshot up to the period of the latest snapshot. Periods
-- after the latest snapshot are left out rather than judged against an old register.

with

periods as (

    select * from {{ ref('dim_period') }}

),

snapshots as (

    select snapshot_date from {{ ref('stg_agreement_register__snapshots') }}

),

bounds as (

    select
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as latest_snapshot_date
    from snapshots

),

mapped as (

    select
        periods.period_key,
        periods.start_date,
        periods.end_date,
        periods.followup_due_date,
        (
            select max(snapshots.snapshot_date)
            from snapshots
            where snapshots.snapshot_date <= periods.end_date
        ) as snapshot_on_or_before_end,
        (
            select min(snapshots.snapshot_date)
            from snapshots
            where snapshots.snapshot_date > periods.end_date
        ) as snapshot_after_end,
        bounds.first_snapshot_date,
        bounds.latest_snapshot_date
    from periods
    cross join bounds

),

final as (

    select
        period_key as period,
        start_date,
        end_date,
        followup_due_date,
        coalesce(snapshot_on_or_before_end, snapshot_after_end) as register_snapshot_date,
        snapshot_on_or_before_end is null as is_snapshot_after_period,
        end_date < {{ followup_as_of_date() }} as is_ended,
        (end_date >= first_snapshot_date and start_date <= latest_snapshot_date) as is_covered_by_snapshots,
        (
            end_date < {{ followup_as_of_date() }}
            and end_date >= first_snapshot_date
            and start_date <= latest_snapshot_date
        ) as is_in_completeness_scope
    from mapped
    where coalesce(snapshot_on_or_before_end, snapshot_after_end) is not null

)

select * from final
