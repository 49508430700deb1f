-- mart_municipality_coverage has every municipality for every loaded snapshot date,
-- and agrees with mart_agreement_summary (basis 'i_kraft': coverage is by agreements in force)
-- on the number of covered municipalities.

with

coverage as (

    select
        snapshot_date,
        count(*) as n_rows,
        count(*) filter (where is_covered) as n_covered
    from {{ ref('mart_municipality_coverage') }}
    group by snapshot_date

),

snapshots as (

    select snapshot_date from {{ ref('stg_agreement_register__snapshots') }}

),

summary as (

    select snapshot_date, n_municipalities_covered
    from {{ ref('mart_agreement_summary') }}
    where niva = 'alla' and basis = 'i_kraft'

)

select snapshots.snapshot_date, coverage.n_rows, coverage.n_covered, summary.n_municipalities_covered
from snapshots
left join coverage on coverage.snapshot_date = snapshots.snapshot_date
left join summary on summary.snapshot_date = snapshots.snapshot_date
where coverage.n_rows is distinct from (select count(*) from {{ ref('dim_municipality') }})
    or coverage.n_covered is distinct from summary.n_municipalities_covered
