with

latest_load as (

    {{ register_latest_load('overenskommelse_kommuner') }}

),

renamed as (

    select
        {{ clean_text('overenskommelse_id') }} as overenskommelse_id,
        -- Excel drops the leading zero: '140' is 0140
        {{ pad_code('kommunkod', 4) }} as kommunkod,
        {{ clean_code('tackning') }} as tackning,
        _snapshot_date as snapshot_date,
        _load_id as load_id,
        _source_row as source_row
    from latest_load

),

final as (

    select * from renamed

)

select * from final
