-- The municipalities of each job track per snapshot month (kommunkoder split), in the order
-- delivered: municipality_order 1 is the track's first municipality.

{{ config(materialized='view') }}

with

jobtracks as (

    select * from {{ ref('stg_registry__jobtracks') }}

),

split as (

    select
        jobtracks.manad,
        jobtracks.projektkod,
        jobtracks.typ,
        jobtracks.status,
        {{ pad_code('municipality.code', 4) }} as kommunkod,
        cast(municipality.ordinal as integer) as municipality_order,
        jobtracks.load_id
    from jobtracks
    cross join lateral unnest(string_to_array(jobtracks.kommunkoder, ',')) with ordinality
        as municipality (code, ordinal)
    where nullif(btrim(municipality.code), '') is not null

)

select * from split
