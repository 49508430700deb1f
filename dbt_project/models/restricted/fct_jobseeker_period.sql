-- One row per person x half-year x municipality of residence x target group in which the person
-- was counted in at least one month of the half-year while living there (person-level, schema
-- restricted: not readable by analysts). The basis of the agreement outcome marts
-- (mart_agreement_outcomes, mart_coverage_outcomes), which count distinct persons.
-- A flag per outcome measure (macro registry_outcome_measures): true when, in at least one month of
-- the half-year in which the person lived in this municipality, the person was in the target group
-- in that month and the measure's condition held in that month. Registered unemployed in the
-- month's own target groups; endings in the effective ones (fct_jobseeker_month.effective_*: in
-- the month a registration ended, the groups of the month before). alla = everyone.
-- kon, fodelseregion and the birth year behind aldersgrupp are the person's in the last month of
-- the half-year in the registry (any municipality), so they are the same on all the person's rows
-- of the half-year; age = the half-year's year - birth year. n_municipalities: in how many
-- municipalities the person lived during the half-year (> 1: moved), for the marts, which count
-- the persons who stayed per municipality and only the movers person by person.
-- Incremental per half-year: a month rebuilt in fct_jobseeker_month rebuilds its whole half-year
-- (delete+insert on period); _load_id is the newest load of the person's months.

{%- set changed = registry_months_to_build(registry_changed_months_query(ref('fct_jobseeker_month'))) -%}
{%- set months = registry_months_of_periods(changed) %}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period',
        on_schema_change='fail',
        pre_hook=[
            "{{ registry_hash_joins_only() }}",
            "{{ registry_delete_changed_periods('period', ref('fct_jobseeker_month')) }}",
        ],
        indexes=[
            {'columns': ['period', '_load_id']},
            {'columns': ['period', 'kommunkod', 'malgrupp']},
        ],
    )
}}

{%- set target_groups = registry_target_groups() -%}
{%- set measures = registry_outcome_measures() %}

with

jobseeker_months as (

    select * from {{ ref('fct_jobseeker_month') }}
    where {{ registry_in_months('manad', months) }}

),

by_municipality as (

    select
        person_id,
        {{ registry_period_of('manad') }} as period,
        kommunkod,
        lanskod,
        -- the last month's attributes: the maximum of month || sex || birth region || birth year
        max(to_char(manad, 'YYYYMM') || kon || fodelseregion || cast(fodelsear as text)) as last_attributes,
        max(_load_id) as _load_id,
        {%- for target_group in target_groups %}
        {%- set outer_last = loop.last %}
        {%- for measure in measures %}
        {%- set group_condition = target_group.ending_condition if measure.is_ending else target_group.condition %}
        bool_or({{ group_condition }} and {{ measure.condition }})
            as {{ target_group.code }}__{{ measure.name }}{% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from jobseeker_months
    group by person_id, {{ registry_period_of('manad') }}, kommunkod, lanskod

),

with_person as (

    select
        by_municipality.*,
        max(by_municipality.last_attributes) over person_period as person_attributes,
        count(*) over person_period as n_municipalities
    from by_municipality
    window person_period as (partition by by_municipality.person_id, by_municipality.period)

),

attributed as (

    select
        with_person.*,
        substr(with_person.person_attributes, 7, 1) as kon,
        case
            when substr(with_person.person_attributes, 8, 2) = 'SE' then 'Sverige' else 'Utrikes'
        end as fodelseregion,
        cast(left(with_person.period, 4) as integer)
        - cast(substr(with_person.person_attributes, 10, 4) as integer) as alder
    from with_person

),

final as (

    select
        attributed.person_id,
        attributed.period,
        attributed.kommunkod,
        attributed.lanskod,
        cell.malgrupp,
        attributed.kon,
        case
            when attributed.alder between 16 and 24 then '16-24'
            when attributed.alder between 25 and 29 then '25-29'
            when attributed.alder between 30 and 64 then '30-64'
            else 'ovriga'
        end as aldersgrupp,
        attributed.fodelseregion,
        attributed.n_municipalities,
        {%- for measure in measures %}
        cell.{{ measure.name }},
        {%- endfor %}
        attributed._load_id
    from attributed
    cross join lateral (
        values
        {%- for target_group in target_groups %}
            (
                '{{ target_group.code }}',
                {% for measure in measures -%}
                attributed.{{ target_group.code }}__{{ measure.name }}{% if not loop.last %},{% endif %}
                {% endfor -%}
            ){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as cell (
        malgrupp,
        {% for measure in measures -%}
        {{ measure.name }}{% if not loop.last %},{% endif %}
        {% endfor -%}
    )
    where cell.registered_unemployed or cell.ended

)

select * from final
