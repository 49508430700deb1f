-- One row per loaded snapshot date x basis x agreement level (niva), plus niva = 'alla' over all
-- levels. basis = 'i_kraft' counts the agreements in force on the snapshot date, basis =
-- 'tecknade' those signed on or before it and not ended, whether or not their validity has
-- started (the published counts). Both rules are in int_agreement_register__agreements_by_snapshot.
-- Every basis and level appears for every snapshot.

with

snapshots as (

    select snapshot_date from {{ ref('stg_agreement_register__snapshots') }}

),

bases as (

    select basis
    from (values ('i_kraft'), ('tecknade')) as bases (basis)

),

levels as (

    select niva
    from (
        values ('central'), ('regional'), ('flerkommunal'), ('lokal'), ('kommunlokal'), ('alla')
    ) as levels (niva)

),

agreements_by_snapshot as (

    select * from {{ ref('int_agreement_register__agreements_by_snapshot') }}

),

-- each agreement once under every basis it meets (in force and signed: under both)
counted_agreements as (

    select
        bases.basis,
        agreements_by_snapshot.snapshot_date,
        agreements_by_snapshot.overenskommelse_id,
        agreements_by_snapshot.niva,
        agreements_by_snapshot.har_mal,
        agreements_by_snapshot.har_uppfoljningsprocess,
        agreements_by_snapshot.malgrupp_arbetsgivare,
        agreements_by_snapshot.malgrupp_arbetssokande,
        agreements_by_snapshot.samordning_etablering
    from agreements_by_snapshot
    inner join bases
        on (bases.basis = 'i_kraft' and agreements_by_snapshot.is_in_force)
        or (bases.basis = 'tecknade' and agreements_by_snapshot.is_signed)

),

covered_municipalities as (

    select
        agreement_municipalities.snapshot_date,
        counted_agreements.basis,
        counted_agreements.niva,
        agreement_municipalities.kommunkod
    from {{ ref('stg_agreement_register__agreement_municipalities') }} as agreement_municipalities
    inner join counted_agreements
        on counted_agreements.overenskommelse_id = agreement_municipalities.overenskommelse_id
        and counted_agreements.snapshot_date = agreement_municipalities.snapshot_date

),

municipality_total as (

    select count(*) as n_municipalities from {{ ref('dim_municipality') }}

),

agreement_counts as (

    select
        snapshot_date,
        basis,
        coalesce(niva, 'alla') as niva,
        count(*) as n_agreements,
        count(*) filter (where har_mal) as n_with_goals,
        count(*) filter (where har_uppfoljningsprocess) as n_with_followup_process,
        count(*) filter (
            where malgrupp_arbetsgivare and malgrupp_arbetssokande
        ) as n_employers_and_jobseekers_targeted,
        count(*) filter (where samordning_etablering) as n_coordination_establishment
    from counted_agreements
    group by grouping sets ((snapshot_date, basis, niva), (snapshot_date, basis))

),

municipality_counts as (

    -- distinct per level, and distinct over all levels for 'alla' (not a sum)
    select
        snapshot_date,
        basis,
        coalesce(niva, 'alla') as niva,
        count(distinct kommunkod) as n_municipalities_covered
    from covered_municipalities
    group by grouping sets ((snapshot_date, basis, niva), (snapshot_date, basis))

),

final as (

    select
        snapshots.snapshot_date,
        bases.basis,
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
    cross join bases
    cross join levels
    cross join municipality_total
    left join agreement_counts
        on agreement_counts.snapshot_date = snapshots.snapshot_date
        and agreement_counts.basis = bases.basis
        and agreement_counts.niva = levels.niva
    left join municipality_counts
        on municipality_counts.snapshot_date = snapshots.snapshot_date
        and municipality_counts.basis = bases.basis
        and municipality_counts.niva = levels.niva

)

select * from final
