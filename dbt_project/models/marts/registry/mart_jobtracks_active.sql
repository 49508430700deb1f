-- Active local job tracks and their participants per job-track snapshot month x municipality
-- (and Riket, kommunkod '00'). A track with status aktivt counts once for each of its
-- municipalities (Riket: each track once). Participants = ongoing participations (started by
-- the end of the month, not ended) in active tracks, by the participant's municipality
-- (residence in the job-seeker extract of the month, else the track's first municipality), so
-- they add up to Riket; counts 1-4 are suppressed, with secondary suppression across the
-- municipalities against Riket. Track counts are not suppressed: they count tracks, not people.
-- Incremental per snapshot month (the months rebuilt in fct_jobtrack_participation).

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='manad',
        on_schema_change='fail',
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['manad']},
        ],
    )
}}

{%- set months = registry_months_to_build(registry_changed_months_query(ref('fct_jobtrack_participation'))) %}

with

participations as (

    select * from {{ ref('fct_jobtrack_participation') }}
    where {{ registry_in_months('manad', months) }}

),

snapshot_loads as (

    select manad, max(_load_id) as _load_id
    from participations
    group by manad

),

track_municipalities as (

    select * from {{ ref('int_registry__jobtrack_municipalities') }}
    where status = 'aktivt'
        and {{ registry_in_months('manad', months) }}

),

municipalities as (

    select municipality_code, municipality_name
    from {{ ref('municipalities') }}

),

track_counts as (

    select
        manad,
        case when grouping(kommunkod) = 1 then '00' else kommunkod end as kommunkod,
        count(distinct projektkod) as n_active_tracks
    from track_municipalities
    group by grouping sets ((manad, kommunkod), (manad))

),

participant_counts as (

    select
        manad,
        case when grouping(kommunkod) = 1 then '00' else kommunkod end as kommunkod,
        count(*) as n_participants
    from participations
    where is_active_participation
    group by grouping sets ((manad, kommunkod), (manad))

),

-- Riket for every month built, and every municipality with an active track or participant
cell_keys as (

    select manad, kommunkod from track_counts
    union
    select manad, kommunkod from participant_counts
    union
    select manad, '00' from snapshot_loads

),

cells as (

    select
        cell_keys.manad,
        cell_keys.kommunkod,
        'n_participants' as measure,
        coalesce(participant_counts.n_participants, 0) as value
    from cell_keys
    inner join snapshot_loads
        on snapshot_loads.manad = cell_keys.manad
    left join participant_counts
        on participant_counts.manad = cell_keys.manad
        and participant_counts.kommunkod = cell_keys.kommunkod

),

suppressed_cells as (

    {{ sdc_suppress(
        'cells',
        ['manad', 'measure', 'kommunkod'],
        [{'name': 'municipalities add up to Riket',
          'partition_by': ['manad', 'measure'],
          'total': "kommunkod = '00'"}]
    ) }}

),

final as (

    select
        suppressed_cells.manad,
        case when suppressed_cells.kommunkod = '00' then 'riket' else 'kommun' end as niva,
        suppressed_cells.kommunkod,
        case
            when suppressed_cells.kommunkod = '00' then 'Riket'
            else municipalities.municipality_name
        end as kommun_namn,
        case when suppressed_cells.kommunkod <> '00' then left(suppressed_cells.kommunkod, 2) end as lanskod,
        coalesce(track_counts.n_active_tracks, 0) as n_active_tracks,
        case when not suppressed_cells.suppressed then suppressed_cells.value end as n_participants,
        suppressed_cells.suppressed as n_participants_suppressed,
        snapshot_loads._load_id
    from suppressed_cells
    inner join snapshot_loads
        on snapshot_loads.manad = suppressed_cells.manad
    left join track_counts
        on track_counts.manad = suppressed_cells.manad
        and track_counts.kommunkod = suppressed_cells.kommunkod
    left join municipalities
        on municipalities.municipality_code = suppressed_cells.kommunkod

)

select * from final
