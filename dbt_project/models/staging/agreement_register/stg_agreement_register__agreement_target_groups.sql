with

latest_load as (

    {{ register_latest_load('overenskommelse_malgrupper') }}

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
