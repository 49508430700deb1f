-- Transitions within 90 days per event month x event type (etablering, jobbspar) x
-- municipality (and Riket, kommunkod '00') x target group: events, events with the outcome
-- (ended to work or studies, or supported work, within 90 days; rules in
-- restricted.fct_transition_90d) and their share, with disclosure control (counts 1-4
-- suppressed, secondary suppression across the municipalities of a month against Riket, the
-- share suppressed with its counts). Riket has a row for every month and event type that can
-- be measured (0 events included); a municipality has rows where it has events.
-- Incremental: the event months fct_transition_90d rebuilds are rebuilt here too.

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_month',
        on_schema_change='fail',
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['event_month']},
        ],
    )
}}

{%- set event_months = registry_months_to_build(
        registry_transition_months_query(ref('fct_jobseeker_month'), ref('stg_registry__months'))) -%}
{%- set target_groups = registry_target_groups() -%}
{%- set measures = [
    {'name': 'n_events', 'condition': 'true'},
    {'name': 'n_with_outcome', 'condition': 'has_outcome'},
] %}

with

registry_months as (

    select * from {{ ref('stg_registry__months') }}

),

delivered_jobseeker_months as (

    select manad from registry_months
    where extract_name = 'sokande'

),

latest_jobtrack_snapshot as (

    select max(manad) as manad from registry_months
    where extract_name = 'jobbspar'

),

-- the months each event type can be measured in: the establishment programme needs the next
-- month delivered, job tracks a snapshot from the month or later
measurable_months as (

    select
        this_month.manad as event_month,
        'etablering' as event_type,
        {{ registry_add_months('this_month.manad', 1) }} + 90 as last_window_end
    from delivered_jobseeker_months as this_month
    inner join delivered_jobseeker_months as next_month
        on next_month.manad = {{ registry_add_months('this_month.manad', 1) }}

    union all

    select
        delivered_jobseeker_months.manad as event_month,
        'jobbspar' as event_type,
        {{ registry_month_end('delivered_jobseeker_months.manad') }} + 90 as last_window_end
    from delivered_jobseeker_months
    inner join latest_jobtrack_snapshot
        on latest_jobtrack_snapshot.manad >= delivered_jobseeker_months.manad

),

months_to_build as (

    select
        event_month,
        event_type,
        cast(date_trunc('month', last_window_end) as date)
            <= (select max(manad) from delivered_jobseeker_months) as is_window_complete
    from measurable_months
    where {{ registry_in_months('event_month', event_months) }}

),

events as (

    select * from {{ ref('fct_transition_90d') }}
    where {{ registry_in_months('event_month', event_months) }}

),

municipalities as (

    select municipality_code, municipality_name
    from {{ ref('municipalities') }}

),

target_group_labels as (

    select malgrupp, label from {{ ref('target_groups') }}

),

event_counts as (

    select
        event_month,
        event_type,
        case when grouping(kommunkod) = 1 then '00' else kommunkod end as kommunkod,
        {%- for target_group in target_groups %}
        {%- set outer_last = loop.last %}
        {%- for measure in measures %}
        count(*) filter (where {{ target_group.condition }} and {{ measure.condition }})
            as {{ target_group.code }}__{{ measure.name }}{% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from events
    group by grouping sets ((event_month, event_type, kommunkod), (event_month, event_type))

),

-- Riket for every measurable month, the municipalities with events
counts as (

    select
        months_to_build.event_month,
        months_to_build.event_type,
        '00' as kommunkod,
        {%- for target_group in target_groups %}
        {%- set outer_last = loop.last %}
        {%- for measure in measures %}
        coalesce(event_counts.{{ target_group.code }}__{{ measure.name }}, 0)
            as {{ target_group.code }}__{{ measure.name }}{% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from months_to_build
    left join event_counts
        on event_counts.event_month = months_to_build.event_month
        and event_counts.event_type = months_to_build.event_type
        and event_counts.kommunkod = '00'

    union all

    select event_counts.*
    from event_counts
    inner join months_to_build
        on months_to_build.event_month = event_counts.event_month
        and months_to_build.event_type = event_counts.event_type
    where event_counts.kommunkod <> '00'

),

cells as (

    select
        counts.event_month,
        counts.event_type,
        counts.kommunkod,
        cell.malgrupp,
        cell.measure,
        cell.value
    from counts
    cross join lateral (
        values
        {%- for target_group in target_groups %}
        {%- set outer_last = loop.last %}
        {%- for measure in measures %}
            (
                '{{ target_group.code }}',
                '{{ measure.name }}',
                counts.{{ target_group.code }}__{{ measure.name }}
            ){% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    ) as cell (malgrupp, measure, value)

),

suppressed_cells as (

    {{ sdc_suppress(
        'cells',
        ['event_month', 'event_type', 'malgrupp', 'measure', 'kommunkod'],
        [{'name': 'municipalities add up to Riket',
          'partition_by': ['event_month', 'event_type', 'malgrupp', 'measure'],
          'total': "kommunkod = '00'"}]
    ) }}

),

published as (

    select
        event_month,
        event_type,
        kommunkod,
        malgrupp,
        {{ sdc_published_columns(measures | map(attribute='name') | list) }}
    from suppressed_cells
    group by event_month, event_type, kommunkod, malgrupp

),

watermark as (

    select greatest(
        (select coalesce(max(_load_id), 0) from {{ ref('fct_jobseeker_month') }}),
        (
            select coalesce(max(load_id), 0)
            from registry_months
            where extract_name = 'jobbspar'
        )
    ) as _load_id

),

final as (

    select
        published.event_month,
        published.event_type,
        case when published.kommunkod = '00' then 'riket' else 'kommun' end as niva,
        published.kommunkod,
        case
            when published.kommunkod = '00' then 'Riket'
            else municipalities.municipality_name
        end as kommun_namn,
        case when published.kommunkod <> '00' then left(published.kommunkod, 2) end as lanskod,
        published.malgrupp,
        coalesce(target_group_labels.label, 'Alla') as malgrupp_namn,
        published.n_events,
        published.n_events_suppressed,
        published.n_with_outcome,
        published.n_with_outcome_suppressed,
        {%- set share_inputs = ['published.n_events_suppressed', 'published.n_with_outcome_suppressed'] %}
        {{ sdc_share('published.n_with_outcome', 'published.n_events', share_inputs) }} as share_with_outcome,
        {{ sdc_any(share_inputs) }} as share_with_outcome_suppressed,
        months_to_build.is_window_complete,
        watermark._load_id
    from published
    inner join months_to_build
        on months_to_build.event_month = published.event_month
        and months_to_build.event_type = published.event_type
    left join municipalities
        on municipalities.municipality_code = published.kommunkod
    left join target_group_labels
        on target_group_labels.malgrupp = published.malgrupp
    cross join watermark

)

select * from final
