-- Which municipalities and target groups each agreement covers in each half-year: one row per
-- agreement x period x municipality x measurable target group (and alla), for the agreements in
-- force during the period (macro agreement_in_force_during) according to the register snapshot
-- used for the period (int_followup_forms__period_snapshots: the latest on or before the
-- period's last day, else the earliest after it). Municipalities: those the agreement lists in
-- that snapshot, any coverage type (egen, hangavtal, gemensam_styrgrupp); a regional agreement
-- that lists none covers every municipality of its county; a central agreement the whole
-- country. Target groups: those of the agreement the registry can measure, plus alla
-- (everyone). Only half-years with a registry month loaded. Not person-level.

with

periods as (

    select
        period_snapshots.period,
        period_snapshots.start_date,
        period_snapshots.end_date,
        period_snapshots.register_snapshot_date,
        snapshots.load_id as register_load_id
    from {{ ref('int_followup_forms__period_snapshots') }} as period_snapshots
    inner join {{ ref('stg_agreement_register__snapshots') }} as snapshots
        on snapshots.snapshot_date = period_snapshots.register_snapshot_date
    where period_snapshots.period in (
        select {{ registry_period_of('manad') }}
        from {{ ref('stg_registry__months') }}
        where extract_name = 'sokande'
    )

),

agreements as (

    select * from {{ ref('int_agreement_register__agreements_by_snapshot') }}

),

in_force as (

    select
        periods.period,
        periods.register_snapshot_date,
        periods.register_load_id,
        agreements.overenskommelse_id,
        agreements.niva,
        agreements.lanskod
    from periods
    inner join agreements
        on agreements.snapshot_date = periods.register_snapshot_date
    where {{ agreement_in_force_during('periods.start_date', 'periods.end_date') }}

),

municipalities as (

    select kommunkod, lanskod from {{ ref('dim_municipality') }}

),

listed as (

    select
        overenskommelse_id,
        snapshot_date,
        kommunkod
    from {{ ref('stg_agreement_register__agreement_municipalities') }}

),

covered as (

    select distinct
        in_force.overenskommelse_id,
        in_force.period,
        coalesce(listed.kommunkod, municipalities.kommunkod) as kommunkod
    from in_force
    left join listed
        on listed.overenskommelse_id = in_force.overenskommelse_id
        and listed.snapshot_date = in_force.register_snapshot_date
        and in_force.niva <> 'central'
    left join municipalities
        on listed.kommunkod is null
        and (
            in_force.niva = 'central'
            or (in_force.niva = 'regional' and municipalities.lanskod = in_force.lanskod)
        )
    where coalesce(listed.kommunkod, municipalities.kommunkod) is not null

),

target_groups as (

    select
        overenskommelse_id,
        snapshot_date,
        malgrupp
    from {{ ref('stg_agreement_register__agreement_target_groups') }}
    where malgrupp in (
        {%- for group in registry_target_groups() if group.code != 'alla' %}
        '{{ group.code }}'{% if not loop.last %},{% endif %}
        {%- endfor %}
    )

),

agreement_groups as (

    select
        in_force.overenskommelse_id,
        in_force.period,
        'alla' as malgrupp
    from in_force

    union

    select
        in_force.overenskommelse_id,
        in_force.period,
        target_groups.malgrupp
    from in_force
    inner join target_groups
        on target_groups.overenskommelse_id = in_force.overenskommelse_id
        and target_groups.snapshot_date = in_force.register_snapshot_date

),

final as (

    select
        in_force.overenskommelse_id,
        in_force.period,
        in_force.niva,
        in_force.lanskod as agreement_lanskod,
        in_force.register_snapshot_date,
        in_force.register_load_id,
        covered.kommunkod,
        municipalities.lanskod,
        agreement_groups.malgrupp
    from in_force
    inner join covered
        on covered.overenskommelse_id = in_force.overenskommelse_id
        and covered.period = in_force.period
    inner join municipalities
        on municipalities.kommunkod = covered.kommunkod
    inner join agreement_groups
        on agreement_groups.overenskommelse_id = in_force.overenskommelse_id
        and agreement_groups.period = in_force.period

)

select * from final
