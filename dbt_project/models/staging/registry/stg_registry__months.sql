-- One row per registry extract ('sokande' | 'jobbspar') and month: the load in force
-- (meta.registry_months), with the time it was loaded. load_id is what the incremental models
-- compare (it grows with every change of the month, a code-list change included); rows_load_id
-- is the load whose rows the month holds (the same, except after a code-list change).

with

source as (

    select * from {{ source('registry_meta', 'registry_months') }}

),

loads as (

    select * from {{ source('meta', 'load_audit') }}

),

renamed as (

    select
        source.extract as extract_name,
        source.manad,
        source.load_id,
        source.rows_load_id,
        source.n_rows,
        source.n_rejected,
        source.replaced_load_id,
        loads.loaded_at
    from source
    left join loads
        on loads.load_id = source.load_id

)

select * from renamed
