-- SCD type 2 history of the target groups of each agreement.

with

history as (

    {{ scd2_from_snapshots(
        source_relation=ref('stg_agreement_register__agreement_target_groups'),
        snapshot_dates_relation=ref('stg_agreement_register__snapshots'),
        key_columns=['overenskommelse_id', 'malgrupp'],
        attribute_columns=[]
    ) }}

),

final as (

    select
        {{ surrogate_key(['overenskommelse_id', 'malgrupp', 'valid_from']) }} as agreement_target_group_key,
        overenskommelse_id,
        malgrupp,
        version_number,
        valid_from,
        valid_to,
        last_snapshot_date,
        is_current,
        in_register
    from history

)

select * from final
