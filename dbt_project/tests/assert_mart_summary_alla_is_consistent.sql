-- For every snapshot date and basis, the 'alla' row counts as many agreements as the levels
-- together, and covers at least as many municipalities as any single level and at most their sum.

with

summary as (

    select * from {{ ref('mart_agreement_summary') }}

),

levels as (

    select
        snapshot_date,
        basis,
        sum(n_agreements) as n_agreements,
        max(n_municipalities_covered) as max_covered,
        sum(n_municipalities_covered) as sum_covered
    from summary
    where niva <> 'alla'
    group by snapshot_date, basis

)

select
    summary.snapshot_date,
    summary.basis,
    summary.n_agreements,
    levels.n_agreements as n_agreements_over_levels
from summary
inner join levels
    on levels.snapshot_date = summary.snapshot_date
    and levels.basis = summary.basis
where summary.niva = 'alla'
    and (
        summary.n_agreements <> levels.n_agreements
        or summary.n_municipalities_covered < levels.max_covered
        or summary.n_municipalities_covered > levels.sum_covered
    )
