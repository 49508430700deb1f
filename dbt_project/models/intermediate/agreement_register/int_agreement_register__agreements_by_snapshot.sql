-- The state of every agreement in every loaded snapshot, with the ONE definition of
-- "in force on the snapshot date" used by all marts:
--   status tecknad or reviderad,
--   and the start (giltig_from, else tecknad_datum) is unknown or on/before the date,
--   and the end (giltig_tom) is unknown (tills vidare) or on/after the date.
-- and of "signed on or before the snapshot date" (is_signed), the basis of published counts
-- ("N tecknade överenskommelser"): the same, but with the signing date (tecknad_datum unknown or
-- on/before the date) instead of the start of validity, so an agreement signed in January and valid
-- from February is signed, not yet in force, on 31 January.

with

agreements as (

    select * from {{ ref('stg_agreement_register__agreements') }}

),

in_force as (

    select
        *,
        coalesce(giltig_from, tecknad_datum) as effective_start_date,
        {{ agreement_in_force_during('snapshot_date', 'snapshot_date') }} as is_in_force,
        (
            status in ('tecknad', 'reviderad')
            and (tecknad_datum is null or tecknad_datum <= snapshot_date)
            and (giltig_tom is null or giltig_tom >= snapshot_date)
        ) as is_signed
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
        is_in_force,
        is_signed
    from in_force

)

select * from final
