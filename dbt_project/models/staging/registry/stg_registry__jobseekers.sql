-- Job seekers per month (sokande_YYYYMM), rows of the load in force of each month only.
-- Kept as a view and never scanned whole: the models that read it filter on manad, which
-- PostgreSQL pushes down to the month partitions of raw.registry_jobseekers.

with

source as (

    select * from {{ source('registry', 'jobseekers') }}

),

months_in_force as (

    select manad, load_id, rows_load_id
    from {{ ref('stg_registry__months') }}
    where extract_name = 'sokande'

),

renamed as (

    select
        source.person_id,
        source.manad,
        source.kommunkod,
        source.kon,
        cast(source.fodelsear as integer) as fodelsear,
        source.fodelseregion,
        source.sokandekategori,
        {{ registry_flag('source.etablering') }} as etablering,
        {{ registry_flag('source.funktionsnedsattning') }} as funktionsnedsattning,
        {{ registry_flag('source.ekonomiskt_bistand') }} as ekonomiskt_bistand,
        {{ registry_date('source.inskrivningsdatum') }} as inskrivningsdatum,
        {{ registry_date('source.avaktualiseringsdatum') }} as avaktualiseringsdatum,
        source.avaktualiseringsorsak,
        source.projektkod,
        months_in_force.load_id,
        source._source_row as source_row
    from source
    inner join months_in_force
        on months_in_force.manad = source.manad
        and months_in_force.rows_load_id = source._load_id

)

select * from renamed
