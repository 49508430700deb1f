-- One row per loaded snapshot date x municipality (all municipalities for every snapshot):
-- is the municipality covered by an agreement in force on that date, at which levels and
-- by which coverage types.

with

snapshots as (

    select snapshot_date from {{ ref('stg_agreement_register__snapshots') }}

),

municipalities as (

    select * from {{ ref('dim_municipality') }}

),

agreements_in_force as (

    select * from {{ ref('int_agreement_register__agreements_by_snapshot') }}
    where is_in_force

),

coverage as (

    select
        agreement_municipalities.snapshot_date,
        agreement_municipalities.kommunkod,
        agreement_municipalities.tackning,
        agreements_in_force.overenskommelse_id,
        agreements_in_force.niva
    from {{ ref('stg_agreement_register__agreement_municipalities') }} as agreement_municipalities
    inner join agreements_in_force
        on agreements_in_force.overenskommelse_id = agreement_municipalities.overenskommelse_id
        and agreements_in_force.snapshot_date = agreement_municipalities.snapshot_date

),

coverage_by_municipality as (

    select
        snapshot_date,
        kommunkod,
        count(distinct overenskommelse_id) as n_agreements,
        string_agg(distinct niva, ',' order by niva) as covering_levels,
        string_agg(distinct tackning, ',' order by tackning) as coverage_types
    from coverage
    group by snapshot_date, kommunkod

),

final as (

    select
        snapshots.snapshot_date,
        municipalities.kommunkod,
        municipalities.municipality_name,
        municipalities.lanskod,
        municipalities.county_name,
        municipalities.kommungrupp_code,
        municipalities.kommungrupp_name,
        coalesce(coverage_by_municipality.n_agreements, 0) > 0 as is_covered,
        coverage_by_municipality.covering_levels,
        coverage_by_municipality.coverage_types,
        coalesce(coverage_by_municipality.n_agreements, 0) as n_agreements
    from snapshots
    cross join municipalities
    left join coverage_by_municipality
        on coverage_by_municipality.snapshot_date = snapshots.snapshot_date
        and coverage_by_municipality.kommunkod = municipalities.kommunkod

)

select * from final
