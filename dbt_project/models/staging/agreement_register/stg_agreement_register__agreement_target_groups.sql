with

source as (

    select * from {{ source('agreement_register', 'overenskommelse_malgrupper') }}

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
        {{ clean_code('malgrupp') }} as malgrupp,
        _snapshot_date as snapshot_date,
        _load_id as load_id,
        _source_row as source_row
    from latest_load

),

final as (

    select * from renamed

)

select * from final
