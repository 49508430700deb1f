-- Every agreement in the register snapshot used for each period in completeness scope
-- (int_followup_forms__period_snapshots), with whether it owes a follow-up form for the
-- period: cadence (uppfoljning) halvar and in force at some time during the period
-- (macro agreement_in_force_during: status tecknad/reviderad and validity
-- [coalesce(giltig_from, tecknad_datum), giltig_tom] overlapping [start_date, end_date]).
-- Agreements missing from that snapshot owe nothing.

with

periods as (

    select * from {{ ref('int_followup_forms__period_snapshots') }}
    where is_in_completeness_scope

),

agreements as (

    select * from {{ ref('int_agreement_register__agreements_by_snapshot') }}

),

joined as (

    select
        agreements.overenskommelse_id,
        periods.period,
        periods.start_date,
        periods.end_date,
        periods.followup_due_date,
        periods.register_snapshot_date,
        agreements.niva,
        agreements.status,
        agreements.uppfoljning,
        agreements.tecknad_datum,
        agreements.giltig_from,
        agreements.giltig_tom,
        agreements.effective_start_date
    from periods
    inner join agreements
        on agreements.snapshot_date = periods.register_snapshot_date

),

final as (

    select
        *,
        {{ agreement_in_force_during('start_date', 'end_date') }} as is_in_force_during_period,
        (
            coalesce(uppfoljning = 'halvar', false)  -- no cadence stated: owes nothing
            and {{ agreement_in_force_during('start_date', 'end_date') }}
        ) as is_form_owed
    from joined

)

select * from final
