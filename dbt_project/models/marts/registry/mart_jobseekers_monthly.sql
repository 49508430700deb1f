-- Registered unemployed, in programmes and registrations ended (to work, to studies) per month
-- x municipality (and Riket, kommunkod '00') x target group, with disclosure control (macro
-- sdc_suppress: counts 1-4 suppressed, secondary suppression across the municipalities of a
-- month against Riket; the share is suppressed with any count it is computed from).
-- Endings (n_ended, n_ended_to_work, n_ended_to_studies and the share) are counted in the
-- person's effective target groups (fct_jobseeker_month.effective_*: in the month the
-- registration ended, the groups of the month before when the person was registered then, as
-- the extract has no category after the person has left); the registered unemployed and those
-- in programmes in the month's own target groups.
-- Incremental per month: only the months rebuilt in restricted.fct_jobseeker_month since the
-- last build are recomputed (delete+insert on manad); a month delivered again rebuilds the
-- month after it there too.

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

{%- set months = registry_months_to_build(registry_changed_months_query(ref('fct_jobseeker_month'))) -%}
{%- set target_groups = registry_target_groups() -%}
{%- set measures = [
    {'name': 'n_registered_unemployed', 'condition': 'is_registered_unemployed', 'is_ending': false},
    {'name': 'n_in_programme', 'condition': 'is_in_programme', 'is_ending': false},
    {'name': 'n_ended', 'condition': 'ended', 'is_ending': true},
    {'name': 'n_ended_to_work', 'condition': 'ended_to_work', 'is_ending': true},
    {'name': 'n_ended_to_studies', 'condition': 'ended_to_studies', 'is_ending': true},
] %}

with

jobseeker_months as (

    select * from {{ ref('fct_jobseeker_month') }}
    where {{ registry_in_months('manad', months) }}

),

municipalities as (

    select municipality_code, municipality_name
    from {{ ref('municipalities') }}

),

target_group_labels as (

    select malgrupp, label from {{ ref('target_groups') }}

),

counts as (

    select
        manad,
        case when grouping(kommunkod) = 1 then '00' else kommunkod end as kommunkod,
        max(_load_id) as _load_id,
        {%- for target_group in target_groups %}
        {%- set outer_last = loop.last %}
        {%- for measure in measures %}
        {%- set group_condition = target_group.ending_condition if measure.is_ending else target_group.condition %}
        count(*) filter (where {{ group_condition }} and {{ measure.condition }})
            as {{ target_group.code }}__{{ measure.name }}{% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from jobseeker_months
    group by grouping sets ((manad, kommunkod), (manad))

),

cells as (

    select
        counts.manad,
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
        ['manad', 'malgrupp', 'measure', 'kommunkod'],
        [{'name': 'municipalities add up to Riket',
          'partition_by': ['manad', 'malgrupp', 'measure'],
          'total': "kommunkod = '00'"}]
    ) }}

),

published as (

    select
        manad,
        kommunkod,
        malgrupp,
        {{ sdc_published_columns(measures | map(attribute='name') | list) }}
    from suppressed_cells
    group by manad, kommunkod, malgrupp

),

month_loads as (

    select manad, _load_id from counts
    where kommunkod = '00'

),

final as (

    select
        published.manad,
        case when published.kommunkod = '00' then 'riket' else 'kommun' end as niva,
        published.kommunkod,
        case
            when published.kommunkod = '00' then 'Riket'
            else municipalities.municipality_name
        end as kommun_namn,
        case when published.kommunkod <> '00' then left(published.kommunkod, 2) end as lanskod,
        published.malgrupp,
        coalesce(target_group_labels.label, 'Alla') as malgrupp_namn,
        {%- for measure in measures %}
        published.{{ measure.name }},
        published.{{ measure.name }}_suppressed,
        {%- endfor %}
        {%- set share_inputs = [
            'published.n_ended_suppressed',
            'published.n_ended_to_work_suppressed',
            'published.n_ended_to_studies_suppressed',
        ] %}
        {{ sdc_share('published.n_ended_to_work + published.n_ended_to_studies', 'published.n_ended', share_inputs) }}
            as share_ended_to_work_or_studies,
        {{ sdc_any(share_inputs) }} as share_ended_to_work_or_studies_suppressed,
        month_loads._load_id
    from published
    inner join month_loads
        on month_loads.manad = published.manad
    left join municipalities
        on municipalities.municipality_code = published.kommunkod
    left join target_group_labels
        on target_group_labels.malgrupp = published.malgrupp

)

select * from final
