-- SCD type 2 history of which municipalities each agreement covers (and how).

with

history as (

    {{ scd2_from_snapshots(
        source_relation=ref('stg_agreement_register__agreement_municipalities'),
        snapshot_dates_relation=ref('stg_agreement_register__snapshots'),
        key_columns=['overenskommelse_id', 'kommunkod'],
        attribute_columns=['tackning']
    ) }}

),

final as (

    select
        {{ surrogate_key(['overenskommelse_id', 'kommunkod', 'valid_from']) }} as agreement_municipality_key,
        overenskommelse_id,
        kommunkod,
        tackning,
        version_number,
        valid_from,
        valid_to,
        last_snapshot_date,
        is_current,
        in_register
    from history

)

select * from final
