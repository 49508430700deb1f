with

latest_load as (

    {{ register_latest_load('overenskommelse_parter') }}

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
