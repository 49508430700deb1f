-- SCD type 2 history of the parties of each agreement (name as written x type x role).

with

history as (

    {{ scd2_from_snapshots(
        source_relation=ref('stg_agreement_register__agreement_parties'),
        snapshot_dates_relation=ref('stg_agreement_register__snapshots'),
        key_columns=['overenskommelse_id', 'organisation_name', 'organisationstyp', 'roll'],
        attribute_columns=[]
    ) }}

),

final as (

    select
        {{ surrogate_key([
            'overenskommelse_id', 'organisation_name', 'organisationstyp', 'roll', 'valid_from'
        ]) }} as agreement_party_key,
        overenskommelse_id,
        organisation_name,
        organisationstyp,
        roll,
        version_number,
        valid_from,
        valid_to,
        last_snapshot_date,
        is_current,
        in_register
    from history

)

select * from final
