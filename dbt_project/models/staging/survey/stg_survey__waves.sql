-- One row per survey wave (enkat_id, omgang) from the latest load that delivered it; earlier
-- loads of the same wave are superseded (ordered by loaded_at, then load_id). wave_number orders
-- the waves of a survey by opening date (then closing date, then label).

with

source as (

    select * from {{ source('survey', 'waves') }}

),

loads as (

    select * from {{ source('meta', 'load_audit') }}
    where source = 'survey'

),

renamed as (

    select
        {{ clean_text('source.enkat_id') }} as enkat_id,
        {{ clean_text('source.omgang') }} as omgang,
        {{ normalise_whitespace('source.namn') }} as namn,
        {{ parse_date('source.oppnad') }} as oppnad,
        {{ parse_date('source.stangd') }} as stangd,
        {{ clean_code('source.enhet') }} as enhet,
        {{ clean_code('source.encoding') }} as source_encoding,
        source._load_id as load_id,
        loads.delivery_name,
        loads.snapshot_date as delivery_date,
        loads.loaded_at
    from source
    inner join loads
        on loads.load_id = source._load_id

),

ranked as (

    select
        *,
        row_number() over (
            partition by enkat_id, omgang
            order by loaded_at desc, load_id desc
        ) as load_rank,
        count(*) over (partition by enkat_id, omgang) as n_loads
    from renamed

),

final as (

    select
        enkat_id,
        omgang,
        namn,
        oppnad,
        stangd,
        enhet,
        source_encoding,
        load_id,
        delivery_name,
        delivery_date,
        loaded_at,
        n_loads,
        row_number() over (
            partition by enkat_id
            order by oppnad nulls last, stangd nulls last, omgang
        ) as wave_number
    from ranked
    where load_rank = 1

)

select * from final
