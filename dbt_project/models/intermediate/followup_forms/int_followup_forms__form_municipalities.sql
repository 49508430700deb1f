-- The municipalities each form version is attributed to, for grouping by county and SKR
-- municipality group: the municipalities the agreement covers in the register snapshot
-- used for the form's period (int_followup_forms__period_snapshots). When the agreement
-- covers none there (e.g. it is missing from that snapshot), the municipality codes
-- written on the form are used instead (basis = 'formular').

with

versions as (

    select * from {{ ref('int_followup_forms__form_versions') }}

),

periods as (

    select * from {{ ref('int_followup_forms__period_snapshots') }}

),

covered as (

    select * from {{ ref('stg_agreement_register__agreement_municipalities') }}

),

from_register as (

    select distinct
        versions.form_id,
        covered.kommunkod,
        'register' as basis
    from versions
    inner join periods
        on periods.period = versions.period
    inner join covered
        on covered.overenskommelse_id = versions.overenskommelse_id
        and covered.snapshot_date = periods.register_snapshot_date
    where covered.kommunkod is not null

),

from_form as (

    select distinct
        versions.form_id,
        kommunkod,
        'formular' as basis
    from versions
    cross join lateral unnest(string_to_array(versions.kommunkoder, ',')) as kommunkod
    where versions.form_id not in (select form_id from from_register)
        and kommunkod <> ''

),

final as (

    select form_id, kommunkod, basis from from_register
    union all
    select form_id, kommunkod, basis from from_form

)

select * from final
