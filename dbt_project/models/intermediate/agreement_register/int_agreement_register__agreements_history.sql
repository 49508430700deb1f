-- SCD type 2 history of the agreements, rebuilt from all loaded snapshots on every run.
-- registrerad (row change time) is deliberately not an attribute: it changes with every
-- export and would open a version per snapshot.

{% set agreement_attributes = [
    'namn', 'niva', 'overordnad_id', 'lanskod', 'status',
    'tecknad_datum', 'giltig_from', 'giltig_tom', 'senast_reviderad',
    'mall', 'uppfoljning',
    'har_mal', 'har_uppfoljningsprocess', 'malgrupp_arbetsgivare',
    'malgrupp_arbetssokande', 'samordning_etablering'
] %}

with

history as (

    {{ scd2_from_snapshots(
        source_relation=ref('stg_agreement_register__agreements'),
        snapshot_dates_relation=ref('stg_agreement_register__snapshots'),
        key_columns=['overenskommelse_id'],
        attribute_columns=agreement_attributes
    ) }}

),

final as (

    select
        {{ surrogate_key(['overenskommelse_id', 'valid_from']) }} as agreement_key,
        overenskommelse_id,
        version_number,
        valid_from,
        valid_to,
        last_snapshot_date,
        is_current,
        in_register,
        {{ agreement_attributes | join(',\n        ') }}
    from history

)

select * from final
