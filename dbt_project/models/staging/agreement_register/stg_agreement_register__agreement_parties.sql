with

source as (

    select * from {{ source('agreement_register', 'overenskommelse_parter') }}

),

snapshots as (

    select * from {{ ref('stg_agreement_register__snapshots') }}

),

latest_load as (

    select source.*
    from source
    inner join snapshots
        on source._load_id = snapshots.load_id

),

renamed as (

    select
        {{ clean_text('overenskommelse_id') }} as overenskommelse_id,
        {{ clean_text('organisation') }} as organisation_name,
        {{ clean_code('organisationstyp') }} as organisationstyp,
        {{ clean_code('roll') }} as roll,
        _snapshot_date as snapshot_date,
        _load_id as load_id,
        _source_row as source_row
    from latest_load

),

final as (

    select * from renamed

)

select * from final
