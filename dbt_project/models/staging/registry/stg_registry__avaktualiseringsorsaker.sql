-- The code list of reasons a registration ended (avaktualiseringsorsaker.csv): per kod the latest delivered
-- definition, from the newest month's list (then the newest load), among loads in force.

with

source as (

    select * from {{ source('registry', 'avaktualiseringsorsaker') }}

),

loads_in_force as (

    select load_id from {{ ref('stg_registry__months') }}

),

ranked as (

    select
        btrim(source.kod) as kod,
        btrim(source.benamning) as benamning,
        lower(btrim(source.utfall)) as utfall,
        source.manad as delivered_for_month,
        source._load_id as load_id,
        row_number() over (
            partition by btrim(source.kod)
            order by source.manad desc, source._load_id desc
        ) as delivery_rank
    from source
    inner join loads_in_force
        on loads_in_force.load_id = source._load_id

),

final as (

    select kod, benamning, utfall, delivered_for_month, load_id
    from ranked
    where delivery_rank = 1

)

select * from final
