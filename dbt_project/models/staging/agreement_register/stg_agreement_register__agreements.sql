with

latest_load as (

    {{ register_latest_load('overenskommelser') }}

),

renamed as (

    select
        {{ clean_text('overenskommelse_id') }} as overenskommelse_id,
        _snapshot_date as snapshot_date,
        _load_id as load_id,
        _source_row as source_row,

        {{ clean_text('namn') }} as namn,
        {{ clean_code('niva') }} as niva,
        {{ clean_text('overordnad_id') }} as overordnad_id,
        {{ pad_code('lanskod', 2) }} as lanskod,
        {{ clean_code('status') }} as status,
        {{ clean_text('mall') }} as mall,
        {{ clean_code('uppfoljning') }} as uppfoljning,

        {{ parse_date('tecknad_datum') }} as tecknad_datum,
        {{ parse_date('giltig_from') }} as giltig_from,
        {{ parse_date('giltig_tom') }} as giltig_tom,
        {{ parse_date('senast_reviderad') }} as senast_reviderad,

        {{ parse_yes_no('har_mal') }} as har_mal,
        {{ parse_yes_no('har_uppfoljningsprocess') }} as har_uppfoljningsprocess,
        {{ parse_yes_no('malgrupp_arbetsgivare') }} as malgrupp_arbetsgivare,
        {{ parse_yes_no('malgrupp_arbetssokande') }} as malgrupp_arbetssokande,
        {{ parse_yes_no('samordning_etablering') }} as samordning_etablering,

        {{ parse_timestamp('registrerad') }} as registrerad_at
    from latest_load

),

final as (

    select * from renamed

)

select * from final
