-- One row per loaded snapshot date x agreement level (niva), plus niva = 'alla' over all
-- levels. Only agreements in force on the snapshot date count (rule in
-- int_agreement_register__agreements_by_snapshot). Every level appears for every snapshot.

with

snapshots as (

    select snapshot_date from {{ ref('stg_agreement_register__snapshots') }}

),

levels as (

    select niva
    from (
        values ('central'), ('regional'), ('flerkommunal'), ('lokal'), ('kommunlokal'), ('alla')
    ) as levels (niva)

),

agreements_in_force as (

    select * from {{ ref('int_agreement_register__agreements_by_snapshot') }}
    where is_in_force

),

covered_municipalities as (

    select
        agreement_municipalities.snapshot_date,
        agreements_in_force.niva,
        agreement_municipalities.kommunkod
    from {{ ref('stg_agreement_register__agreement_municipalities') }} as agreement_municipalities
    inner join agreements_in_force
        on agreements_in_force.overenskommelse_id = agreement_municipalities.overenskommelse_id
        and agreements_in_force.snapshot_date = agreement_municipalities.snapshot_date

),

municipality_total as (

    select count(*) as n_municipalities from {{ ref('dim_municipality') }}

),

agreement_counts as (

    select
        snapshot_date,
        coalesce(niva, 'alla') as niva,
        count(*) as n_agreements,
        count(*) filter (where har_mal) as n_with_goals,
        count(*) filter (where har_uppfoljningsprocess) as n_with_followup_process,
        count(*) filter (
            where malgrupp_arbetsgivare and malgrupp_arbetssokande
        ) as n_employers_and_jobseekers_targeted,
        count(*) filter (where samordning_etablering) as n_coordination_establishment
    from agreements_in_force
    group by grouping sets ((snapshot_date, niva), (snapshot_date))

),

municipality_counts as (

    -- distinct per level, and distinct over all levels for 'alla' (not a sum)
    select
        snapshot_date,
        coalesce(niva, 'alla') as niva,
        count(distinct kommunkod) as n_municipalities_covered
    from covered_municipalities
    group by grouping sets ((snapshot_date, niva), (snapshot_date))

),

final as (

    select
        snapshots.snapshot_date,
        levels.niva,
        coalesce(agreement_counts.n_agreements, 0) as n_agreements,
        coalesce(municipality_counts.n_municipalities_covered, 0) as n_municipalities_covered,
        cast(coalesce(municipality_counts.n_municipalities_covered, 0) as numeric)
            / nullif(municipality_total.n_municipalities, 0) as share_municipalities_covered,
        coalesce(agreement_counts.n_with_goals, 0) as n_with_goals,
        coalesce(agreement_counts.n_with_followup_process, 0) as n_with_followup_process,
        coalesce(agreement_counts.n_employers_and_jobseekers_targeted, 0) as n_employers_and_jobseekers_targeted,
        coalesce(agreement_counts.n_coordination_establishment, 0) as n_coordination_establishment
    from snapshots
    cross join levels
    cross join municipality_total
    left join agreement_counts
        on agreement_counts.snapshot_date = snapshots.snapshot_date
        and agreement_counts.niva = levels.niva
    left join municipality_counts
        on municipality_counts.snapshot_date = snapshots.snapshot_date
        and municipality_counts.niva = levels.niva

)

select * from final
