-- One row per loaded register snapshot date. When the same snapshot date has been
-- delivered more than once (a corrected re-delivery), the latest load wins.

with

source as (

    select * from {{ source('meta', 'load_audit') }}

),

renamed as (

    select
        load_id,
        snapshot_date,
        delivery_name,
        checksum,
        n_rows,
        loaded_at
    from source
    where source = 'agreement_register'
        and status = 'loaded'
        and snapshot_date is not null

),

ranked as (

    select
        *,
        row_number() over (partition by snapshot_date order by load_id desc) as load_rank,
        count(*) over (partition by snapshot_date) as n_deliveries
    from renamed

),

final as (

    select
        snapshot_date,
        load_id,
        delivery_name,
        checksum,
        n_rows,
        loaded_at,
        n_deliveries
    from ranked
    where load_rank = 1

)

select * from final
