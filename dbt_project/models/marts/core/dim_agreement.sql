-- SCD type 2 dimension of agreements: one row per version (see int_agreement_register__agreements_history).

with

history as (

    select * from {{ ref('int_agreement_register__agreements_history') }}

),

final as (

    select
        agreement_key,
        overenskommelse_id,
        version_number,
        valid_from,
        valid_to,
        is_current,
        in_register,
        namn,
        niva,
        overordnad_id,
        lanskod,
        status,
        tecknad_datum,
        giltig_from,
        giltig_tom,
        senast_reviderad,
        mall,
        uppfoljning,
        har_mal,
        har_uppfoljningsprocess,
        malgrupp_arbetsgivare,
        malgrupp_arbetssokande,
        samordning_etablering,
        last_snapshot_date
    from history

)

select * from final
