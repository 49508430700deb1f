-- Local job tracks (jobbspar_YYYYMM): one row per snapshot month and track, snapshots in force only.

with

source as (

    select * from {{ source('registry', 'jobtracks') }}

),

months_in_force as (

    select manad, load_id
    from {{ ref('stg_registry__months') }}
    where extract_name = 'jobbspar'

),

renamed as (

    select
        source.manad,
        source.projektkod,
        source.namn,
        source.kommunkoder,
        lower(btrim(source.typ)) as typ,
        source.bransch,
        {{ registry_date('source.startdatum') }} as startdatum,
        {{ registry_date('source.slutdatum') }} as slutdatum,
        lower(btrim(source.status)) as status,
        source.antal_arbetsgivare,
        source._load_id as load_id,
        source._source_row as source_row
    from source
    inner join months_in_force
        on months_in_force.manad = source.manad
        and months_in_force.load_id = source._load_id

)

select * from renamed
