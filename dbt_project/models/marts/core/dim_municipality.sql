with

municipalities as (

    select * from {{ ref('municipalities') }}

),

counties as (

    select * from {{ ref('counties') }}

),

kommungrupp as (

    select * from {{ ref('skr_kommungrupp') }}

),

final as (

    select
        municipalities.municipality_code as kommunkod,
        municipalities.municipality_name_short as municipality_name,
        municipalities.municipality_name as municipality_name_long,
        municipalities.county_code as lanskod,
        counties.county_name,
        kommungrupp.kommungrupp_code,
        kommungrupp.kommungrupp_name,
        kommungrupp.edition as kommungrupp_edition
    from municipalities
    left join counties
        on counties.county_code = municipalities.county_code
    left join kommungrupp
        on kommungrupp.municipality_code = municipalities.municipality_code

)

select * from final
