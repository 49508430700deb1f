-- Participations in local job tracks (jobbspar_deltagare_YYYYMM): one row per snapshot month,
-- track and person, snapshots in force only.

with

source as (

    select * from {{ source('registry', 'jobtrack_participants') }}

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
        source.person_id,
        {{ registry_date('source.startdatum') }} as startdatum,
        {{ registry_date('source.slutdatum') }} as slutdatum,
        {{ registry_flag('source.avbrott') }} as avbrott,
        lower(btrim(source.aktivitet_efter)) as aktivitet_efter,
        source._load_id as load_id,
        source._source_row as source_row
    from source
    inner join months_in_force
        on months_in_force.manad = source.manad
        and months_in_force.load_id = source._load_id

)

select * from renamed
