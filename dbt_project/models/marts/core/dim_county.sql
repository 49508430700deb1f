with

counties as (

    select * from {{ ref('counties') }}

),

municipality_counts as (

    select
        county_code,
        count(*) as n_municipalities
    from {{ ref('municipalities') }}
    group by county_code

),

final as (

    select
        counties.county_code as lanskod,
        counties.county_name,
        counties.county_name_short,
        coalesce(municipality_counts.n_municipalities, 0) as n_municipalities
    from counties
    left join municipality_counts
        on municipality_counts.county_code = counties.county_code

)

select * from final
