-- One row per job-track snapshot month and participation (person x track), person-level
-- (schema restricted). The participant's municipality: their residence (kommunkod) in the
-- job-seeker extract of the snapshot month when they are in it, else the track's first
-- municipality (kommunkod_source says which). County = the first two digits, SKR municipality
-- group from the seed skr_kommungrupp. Incremental per snapshot month: a snapshot loaded
-- since the last build, or a job-seeker month loaded since then for a snapshot month, rebuilds
-- that month.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='manad',
        on_schema_change='fail',
        post_hook="{{ registry_analyze() }}",
        pre_hook="{{ registry_hash_joins_only() }}",
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['manad', '_load_id']},
        ],
    )
}}

{%- set months_query -%}
    select to_char(snapshots.manad, 'YYYY-MM-DD')
    from {{ ref('stg_registry__months') }} as snapshots
    where snapshots.extract_name = 'jobbspar'
        and (
            snapshots.load_id > {{ registry_watermark_sql() }}
            or snapshots.manad in ({{ registry_changed_months_sql(ref('fct_jobseeker_month')) }})
        )
    order by 1
{%- endset -%}
{%- set months = registry_months_to_build(months_query) %}

with

participants as (

    select * from {{ ref('stg_registry__jobtrack_participants') }}
    where {{ registry_in_months('manad', months) }}

),

jobtracks as (

    select * from {{ ref('stg_registry__jobtracks') }}
    where {{ registry_in_months('manad', months) }}

),

first_municipalities as (

    select manad, projektkod, kommunkod
    from {{ ref('int_registry__jobtrack_municipalities') }}
    where municipality_order = 1
        and {{ registry_in_months('manad', months) }}

),

snapshot_months as (

    select manad from {{ ref('stg_registry__months') }}
    where extract_name = 'jobbspar'

),

residences as (

    select person_id, manad, kommunkod
    from {{ ref('fct_jobseeker_month') }}
    where {{ registry_in_months('manad', months) }}
        and manad in (select manad from snapshot_months)

),

-- materialized: computed once. Inlined, its join on manad with participants reduces to a constant
-- (every side is filtered to the same months), so the planner can only nest-loop it and would
-- re-aggregate the whole job-seeker month for every participant (minutes on a national month).
jobseeker_loads as materialized (

    select manad, max(_load_id) as load_id
    from {{ ref('fct_jobseeker_month') }}
    where {{ registry_in_months('manad', months) }}
        and manad in (select manad from snapshot_months)
    group by manad

),

kommungrupper as (

    select municipality_code, kommungrupp_code
    from {{ ref('skr_kommungrupp') }}

),

joined as (

    select
        participants.manad,
        participants.projektkod,
        participants.person_id,
        participants.startdatum,
        participants.slutdatum,
        participants.avbrott,
        participants.aktivitet_efter,
        coalesce(jobtracks.typ, 'okand') as typ,
        jobtracks.status as track_status,
        coalesce(residences.kommunkod, first_municipalities.kommunkod) as kommunkod,
        case
            when residences.kommunkod is not null then 'sokande'
            when first_municipalities.kommunkod is not null then 'jobbspar'
        end as kommunkod_source,
        greatest(participants.load_id, jobseeker_loads.load_id) as _load_id
    from participants
    left join jobtracks
        on jobtracks.manad = participants.manad
        and jobtracks.projektkod = participants.projektkod
    left join first_municipalities
        on first_municipalities.manad = participants.manad
        and first_municipalities.projektkod = participants.projektkod
    left join residences
        on residences.person_id = participants.person_id
        and residences.manad = participants.manad
    left join jobseeker_loads
        on jobseeker_loads.manad = participants.manad

),

final as (

    select
        joined.manad,
        joined.projektkod,
        joined.person_id,
        joined.startdatum,
        joined.slutdatum,
        joined.avbrott,
        -- an ended participation without a delivered activity counts as ovrigt
        case
            when joined.slutdatum <= {{ registry_month_end('joined.manad') }}
                then coalesce(joined.aktivitet_efter, 'ovrigt')
        end as aktivitet_efter,
        joined.typ,
        joined.track_status,
        joined.kommunkod,
        joined.kommunkod_source,
        left(joined.kommunkod, 2) as lanskod,
        kommungrupper.kommungrupp_code as kommungrupp,
        coalesce(joined.slutdatum <= {{ registry_month_end('joined.manad') }}, false) as has_left,
        coalesce(joined.track_status = 'aktivt', false)
            and (joined.startdatum is null or joined.startdatum <= {{ registry_month_end('joined.manad') }})
            and (joined.slutdatum is null or joined.slutdatum > {{ registry_month_end('joined.manad') }})
            as is_active_participation,
        joined._load_id
    from joined
    left join kommungrupper
        on kommungrupper.municipality_code = joined.kommunkod

)

select * from final
