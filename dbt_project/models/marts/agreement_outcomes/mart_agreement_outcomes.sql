-- Outcomes per agreement: one row per agreement x half-year x target group x breakdown
-- (dimension, dimension_value) with the registry's counts of distinct persons in the agreement's
-- municipalities (definitions in mart_agreement_outcomes.yml) and, beside them, what the
-- agreement's current follow-up form for the half-year reported. Disclosure control as in the
-- registry marts (macro sdc_suppress): 1-4 suppressed, each breakdown's values against their alla
-- row; the share with its counts. The reported figures are shown as delivered.
-- Counting: the persons who lived in one municipality all half-year are counted per municipality
-- first and those counts added over the agreement's municipalities (a person lives in one, so
-- none is counted twice); those who moved are counted person by person (distinct over the
-- agreement's municipalities).
-- Incremental per half-year (delete+insert on period): the half-years whose inputs changed
-- (macro outcome_periods_to_build: a registry month, the register snapshot used, a form).

{%- set periods = outcome_periods_to_build() %}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period',
        on_schema_change='fail',
        pre_hook="{{ registry_hash_joins_only() }}",
        indexes=[
            {'columns': ['period']},
            {'columns': ['overenskommelse_id', 'period']},
        ],
    )
}}

{%- set measures = registry_outcome_measures() -%}
{%- set counts = [] -%}
{%- for measure in measures -%}{%- do counts.append('n_' ~ measure.name) -%}{%- endfor %}

with

coverage as (

    select * from {{ ref('int_agreement_outcomes__coverage') }}
    where {{ registry_in_periods('period', periods) }}

),

persons as (

    select * from {{ ref('fct_jobseeker_period') }}
    where {{ registry_in_periods('period', periods) }}

),

-- those who lived in one municipality all half-year, counted per municipality
stayers as (

    select
        period,
        kommunkod,
        malgrupp,
        kon,
        aldersgrupp,
        fodelseregion,
        {%- for measure in measures %}
        count(*) filter (where {{ measure.name }}) as n_{{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from persons
    where n_municipalities = 1
    group by period, kommunkod, malgrupp, kon, aldersgrupp, fodelseregion

),

stayer_counts as (

    select
        coverage.overenskommelse_id,
        coverage.period,
        coverage.malgrupp,
        stayers.kon,
        stayers.aldersgrupp,
        stayers.fodelseregion,
        {%- for count in counts %}
        sum(stayers.{{ count }}) as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from coverage
    inner join stayers
        on stayers.period = coverage.period
        and stayers.kommunkod = coverage.kommunkod
        and stayers.malgrupp = coverage.malgrupp
    group by
        coverage.overenskommelse_id, coverage.period, coverage.malgrupp,
        stayers.kon, stayers.aldersgrupp, stayers.fodelseregion

),

-- those who moved: once per agreement, whichever of its municipalities they lived in
movers as (

    select
        coverage.overenskommelse_id,
        coverage.period,
        coverage.malgrupp,
        persons.person_id,
        persons.kon,
        persons.aldersgrupp,
        persons.fodelseregion,
        {%- for measure in measures %}
        bool_or(persons.{{ measure.name }}) as {{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from coverage
    inner join persons
        on persons.period = coverage.period
        and persons.kommunkod = coverage.kommunkod
        and persons.malgrupp = coverage.malgrupp
    where persons.n_municipalities > 1
    group by
        coverage.overenskommelse_id, coverage.period, coverage.malgrupp,
        persons.person_id, persons.kon, persons.aldersgrupp, persons.fodelseregion

),

mover_counts as (

    select
        overenskommelse_id,
        period,
        malgrupp,
        kon,
        aldersgrupp,
        fodelseregion,
        {%- for measure in measures %}
        count(*) filter (where {{ measure.name }}) as n_{{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from movers
    group by overenskommelse_id, period, malgrupp, kon, aldersgrupp, fodelseregion

),

person_counts as (

    select * from stayer_counts
    union all
    select * from mover_counts

),

-- every agreement, half-year and target group, with each breakdown value (zero when nobody)
grid as (

    select distinct
        coverage.overenskommelse_id,
        coverage.period,
        coverage.malgrupp,
        breakdown.dimension,
        breakdown.dimension_value
    from coverage
    cross join (
        values {{ outcome_breakdown_values() }}
    ) as breakdown (dimension, dimension_value)

),

breakdown_counts as (

    {%- set sums = [] -%}
    {%- for count in counts -%}{%- do sums.append('sum(' ~ count ~ ') as ' ~ count) -%}{%- endfor %}
    {{ outcome_by_breakdown('person_counts', ['overenskommelse_id', 'period', 'malgrupp'], sums) }}

),

cells as (

    select
        grid.overenskommelse_id,
        grid.period,
        grid.malgrupp,
        grid.dimension,
        grid.dimension_value,
        cell.measure,
        cast(coalesce(cell.value, 0) as bigint) as value
    from grid
    left join breakdown_counts
        on breakdown_counts.overenskommelse_id = grid.overenskommelse_id
        and breakdown_counts.period = grid.period
        and breakdown_counts.malgrupp = grid.malgrupp
        and breakdown_counts.dimension = grid.dimension
        and breakdown_counts.dimension_value = grid.dimension_value
    cross join lateral (
        values
        {%- for count in counts %}
            ('{{ count }}', breakdown_counts.{{ count }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as cell (measure, value)

),

suppressed_cells as (

    {{ sdc_suppress(
        'cells',
        ['overenskommelse_id', 'period', 'malgrupp', 'measure', 'dimension', 'dimension_value'],
        outcome_breakdown_relations(['overenskommelse_id', 'period', 'malgrupp', 'measure'])
    ) }}

),

published as (

    select
        overenskommelse_id,
        period,
        malgrupp,
        dimension,
        dimension_value,
        {{ sdc_published_columns(counts) }}
    from suppressed_cells
    group by overenskommelse_id, period, malgrupp, dimension, dimension_value

),

agreements as (

    select
        overenskommelse_id,
        period,
        max(niva) as niva,
        max(register_snapshot_date) as register_snapshot_date,
        -- the agreement's county, else that of its municipalities when they share one
        coalesce(
            max(agreement_lanskod),
            case when count(distinct lanskod) = 1 then max(lanskod) end
        ) as lanskod
    from coverage
    group by overenskommelse_id, period

),

months_loaded as (

    {{ outcome_months_loaded_sql() }}

),

inputs as (

    {{ outcome_inputs_of(periods) }}

),

-- what the agreement's current form for the half-year reported (template 2023.1 has no age
-- group or birth region: null there); alla sums the form's rows of the target group
form_rows as (

    select
        overenskommelse_id,
        period,
        template_version,
        malgrupp,
        case kon when 'kvinnor' then 'K' when 'man' then 'M' end as kon,
        case when template_version <> '2023.1' then aldersgrupp end as aldersgrupp,
        case
            when template_version = '2023.1' then null
            when fodelseregion = 'sverige' then 'Sverige'
            when fodelseregion = 'utrikes' then 'Utrikes'
        end as fodelseregion,
        n_participants,
        n_ended,
        n_to_work,
        n_to_studies
    from {{ ref('fct_followup_participants') }}
    where is_current and {{ registry_in_periods('period', periods) }}

),

reported as (

    {{ outcome_by_breakdown(
        'form_rows',
        ['overenskommelse_id', 'period', 'malgrupp'],
        [
            'sum(n_participants) as reported_participants',
            'sum(n_ended) as reported_ended',
            'sum(n_to_work) as reported_to_work',
            'sum(n_to_studies) as reported_to_studies',
        ],
        skip_unknown=true,
    ) }}

),

final as (

    select
        published.overenskommelse_id,
        agreements.niva,
        agreements.lanskod,
        published.period,
        published.malgrupp,
        published.dimension,
        published.dimension_value,
        {%- for count in counts %}
        published.{{ count }},
        published.{{ count }}_suppressed,
        {%- endfor %}
        {%- set share_inputs = ['published.n_ended_suppressed', 'published.n_ended_to_work_or_studies_suppressed'] %}
        {{ sdc_share('published.n_ended_to_work_or_studies', 'published.n_ended', share_inputs) }}
            as share_ended_to_work_or_studies,
        {{ sdc_any(share_inputs) }} as share_ended_to_work_or_studies_suppressed,
        coalesce(months_loaded.n_months_loaded, 0) as n_months_loaded,
        coalesce(months_loaded.n_months_loaded, 0) = 6 as is_period_complete,
        agreements.register_snapshot_date,
        reported.reported_participants,
        reported.reported_ended,
        reported.reported_to_work,
        reported.reported_to_studies,
        inputs.registry_load_id as _load_id,
        inputs.register_load_id as _register_load_id,
        inputs.forms_load_id as _forms_load_id
    from published
    inner join agreements
        on agreements.overenskommelse_id = published.overenskommelse_id
        and agreements.period = published.period
    left join months_loaded
        on months_loaded.period = published.period
    left join inputs
        on inputs.period = published.period
    left join reported
        on reported.overenskommelse_id = published.overenskommelse_id
        and reported.period = published.period
        and reported.malgrupp = published.malgrupp
        and reported.dimension = published.dimension
        and reported.dimension_value = published.dimension_value

)

select * from final
