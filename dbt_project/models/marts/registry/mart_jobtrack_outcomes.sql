-- What those who have left a local job track did next, per job-track snapshot month x
-- group (group_type alla | typ | lanskod | kommungrupp | avbrott, group_value) x activity
-- after (aktivitet_efter: the six categories of the contract, arbete_eller_studier =
-- osubventionerat_arbete + subventionerat_arbete + studier, and alla = everyone who left).
-- Counts participations that have ended by the end of the snapshot month (a person who left
-- two tracks counts twice), with disclosure control: counts 1-4 suppressed; secondary
-- suppression in every additive relation (the categories of a group add up to its alla, the
-- three work-or-studies categories to arbete_eller_studier, arbete_eller_studier and the other
-- three to alla, and the values of each group_type to the alla group); share_of_left
-- suppressed with its count or its group's total.
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

{%- set months = registry_months_to_build(registry_changed_months_query(ref('fct_jobtrack_participation'))) -%}
{%- set categories = ['osubventionerat_arbete', 'subventionerat_arbete', 'studier',
                      'annat_jobbspar', 'arbetsloshet', 'ovrigt'] -%}
{%- set work_or_studies = ['osubventionerat_arbete', 'subventionerat_arbete', 'studier'] -%}
{%- set group_types = ['typ', 'lanskod', 'kommungrupp', 'avbrott'] %}

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

counties as (

    select county_code, county_name from {{ ref('counties') }}

),

kommungrupper as (

    select distinct kommungrupp_code, kommungrupp_name from {{ ref('skr_kommungrupp') }}

),

left_track as (

    select * from participations
    where has_left

),

grouped as (

    select
        left_track.manad,
        grouping_value.group_type,
        grouping_value.group_value,
        left_track.aktivitet_efter
    from left_track
    cross join lateral (
        values
            ('alla', 'alla'),
            ('typ', left_track.typ),
            ('lanskod', coalesce(left_track.lanskod, 'okand')),
            ('kommungrupp', coalesce(left_track.kommungrupp, 'okand')),
            ('avbrott', case when left_track.avbrott then 'ja' else 'nej' end)
    ) as grouping_value (group_type, group_value)

),

-- every group present in the month, and the alla group of every month built (0 included)
groups as (

    select distinct manad, group_type, group_value from grouped
    union
    select manad, 'alla', 'alla' from snapshot_loads

),

category_counts as (

    select
        groups.manad,
        groups.group_type,
        groups.group_value,
        {%- for category in categories %}
        count(grouped.aktivitet_efter) filter (where grouped.aktivitet_efter = '{{ category }}') as {{ category }},
        {%- endfor %}
        count(grouped.aktivitet_efter) as alla
    from groups
    left join grouped
        on grouped.manad = groups.manad
        and grouped.group_type = groups.group_type
        and grouped.group_value = groups.group_value
    group by groups.manad, groups.group_type, groups.group_value

),

cells as (

    select
        category_counts.manad,
        category_counts.group_type,
        category_counts.group_value,
        cell.aktivitet_efter,
        cell.value
    from category_counts
    cross join lateral (
        values
        {%- for category in categories %}
            ('{{ category }}', category_counts.{{ category }}),
        {%- endfor %}
            (
                'arbete_eller_studier',
                {% for category in work_or_studies -%}
                category_counts.{{ category }}{% if not loop.last %} + {% endif %}
                {%- endfor %}
            ),
            ('alla', category_counts.alla)
    ) as cell (aktivitet_efter, value)

),

{%- set relations = [
    {'name': 'the six categories add up to alla',
     'partition_by': ['manad', 'group_type', 'group_value'],
     'where': "aktivitet_efter <> 'arbete_eller_studier'",
     'total': "aktivitet_efter = 'alla'"},
    {'name': 'work and studies add up to arbete_eller_studier',
     'partition_by': ['manad', 'group_type', 'group_value'],
     'where': "aktivitet_efter in ('" ~ (work_or_studies | join("', '")) ~ "', 'arbete_eller_studier')",
     'total': "aktivitet_efter = 'arbete_eller_studier'"},
    {'name': 'arbete_eller_studier and the other three add up to alla',
     'partition_by': ['manad', 'group_type', 'group_value'],
     'where': "aktivitet_efter in ('arbete_eller_studier', 'annat_jobbspar', 'arbetsloshet', 'ovrigt', 'alla')",
     'total': "aktivitet_efter = 'alla'"},
] -%}
{%- for group_type in group_types %}
{%- do relations.append(
    {'name': 'the values of ' ~ group_type ~ ' add up to alla',
     'partition_by': ['manad', 'aktivitet_efter'],
     'where': "group_type in ('" ~ group_type ~ "', 'alla')",
     'total': "group_type = 'alla'"}) -%}
{%- endfor %}

suppressed_cells as (

    {{ sdc_suppress('cells', ['manad', 'group_type', 'aktivitet_efter', 'group_value'], relations) }}

),

group_totals as (

    select manad, group_type, group_value, suppressed as total_suppressed, value as n_left
    from suppressed_cells
    where aktivitet_efter = 'alla'

),

final as (

    select
        suppressed_cells.manad,
        suppressed_cells.group_type,
        suppressed_cells.group_value,
        case suppressed_cells.group_type
            when 'alla' then 'Alla'
            when 'lanskod' then coalesce(counties.county_name, 'Okänt län')
            when 'kommungrupp' then coalesce(kommungrupper.kommungrupp_name, 'Okänd kommungrupp')
            when 'avbrott' then
                case suppressed_cells.group_value
                    when 'ja' then 'Lämnade före planerat slut'
                    else 'Lämnade inte före planerat slut'
                end
            else suppressed_cells.group_value
        end as group_label,
        suppressed_cells.aktivitet_efter,
        case when not suppressed_cells.suppressed then suppressed_cells.value end as n,
        suppressed_cells.suppressed as n_suppressed,
        {%- set share_inputs = ['suppressed_cells.suppressed', 'group_totals.total_suppressed'] %}
        {{ sdc_share('suppressed_cells.value', 'group_totals.n_left', share_inputs) }} as share_of_left,
        {{ sdc_any(share_inputs) }} as share_of_left_suppressed,
        snapshot_loads._load_id
    from suppressed_cells
    inner join group_totals
        on group_totals.manad = suppressed_cells.manad
        and group_totals.group_type = suppressed_cells.group_type
        and group_totals.group_value = suppressed_cells.group_value
    inner join snapshot_loads
        on snapshot_loads.manad = suppressed_cells.manad
    left join counties
        on suppressed_cells.group_type = 'lanskod'
        and counties.county_code = suppressed_cells.group_value
    left join kommungrupper
        on suppressed_cells.group_type = 'kommungrupp'
        and kommungrupper.kommungrupp_code = suppressed_cells.group_value

)

select * from final
