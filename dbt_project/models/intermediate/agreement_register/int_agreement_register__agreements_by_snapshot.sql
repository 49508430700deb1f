-- The state of every agreement in every loaded snapshot, with the ONE definition of
-- "in force on the snapshot date" used by all marts:
--   status tecknad or reviderad,
--   and the start (giltig_from, else tecknad_datum) is unknown or on/before the date,
--   and the end (giltig_tom) is unknown (tills vidare) or on/after the date.

with

agreements as (

    select * from {{ ref('stg_agreement_register__agreements') }}

),

in_force as (

    select
        *,
        coalesce(giltig_from, tecknad_datum) as effective_start_date,
        {{ agreement_in_force_during('snapshot_date', 'snapshot_date') }} as is_in_force
    from agreements

),

final as (

    select
        {{ surrogate_key(['overenskommelse_id', 'snapshot_date']) }} as agreement_snapshot_key,
        snapshot_date,
        overenskommelse_id,
        namn,
        niva,
        overordnad_id,
        lanskod,
        status,
        tecknad_datum,
        giltig_from,
        giltig_tom,
        effective_start_date,
        senast_reviderad,
        mall,
        uppfoljning,
        har_mal,
        har_uppfoljningsprocess,
        malgrupp_arbetsgivare,
        malgrupp_arbetssokande,
        samordning_etablering,
        is_in_force
    from in_force

)

select * from final
