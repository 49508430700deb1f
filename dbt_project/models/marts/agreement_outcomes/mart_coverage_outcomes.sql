-- Outcomes by coverage: one row per half-year x area (riket, or a county) x target group x
-- tackning (tackt, ej_tackt, alla) x breakdown (dimension, dimension_value), the registry's
-- counts of distinct persons (definitions in mart_coverage_outcomes.yml). A person counts under
-- tackt when, in a month in which the measure's condition held, the person's municipality was
-- covered by an agreement in force during the half-year that names the target group (alla: by any
-- agreement in force); under ej_tackt when it was not; under alla either way (a person who moved
-- can count under both). basis alla_nivaer: any agreement, central ones (which cover the whole
-- country) included, as defined; utan_centrala: the regional and local agreements only, the
-- comparison "with an agreement of their own or of their region" that the central ones would
-- otherwise make empty wherever they name the group. Coverage per half-year, municipality and target group from
-- int_agreement_outcomes__coverage. Disclosure control as in the registry marts (macro
-- sdc_suppress): each breakdown against its alla row, tackt + ej_tackt against alla, the counties
-- against riket; the share with its counts. Five linked relations need more rounds of secondary
-- suppression than the registry marts' default 8 before none is left with one suppressed cell: 16.
-- Counting as in mart_agreement_outcomes: those who stayed in one municipality per municipality,
-- those who moved person by person. Incremental per half-year like it (macro
-- outcome_periods_to_build).

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

covered as (

    select
        period,
        kommunkod,
        malgrupp,
        bool_or(niva <> 'central') as is_covered_locally
    from coverage
    group by period, kommunkod, malgrupp

),

persons as (

    select
        persons.*,
        covered.kommunkod is not null as is_covered,
        coalesce(covered.is_covered_locally, false) as is_covered_locally
    from {{ ref('fct_jobseeker_period') }} as persons
    left join covered
        on covered.period = persons.period
        and covered.kommunkod = persons.kommunkod
        and covered.malgrupp = persons.malgrupp
    where {{ registry_in_periods('persons.period', periods) }}

),

-- those who lived in one municipality all half-year: counted per municipality, then per area
stayers as (

    select
        period,
        lanskod,
        malgrupp,
        is_covered,
        is_covered_locally,
        kon,
        aldersgrupp,
        fodelseregion,
        {%- for measure in measures %}
        count(*) filter (where {{ measure.name }}) as n_{{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from persons
    where n_municipalities = 1
    group by period, lanskod, malgrupp, is_covered, is_covered_locally, kon, aldersgrupp, fodelseregion

),

stayer_counts as (

    select
        stayers.period,
        area.area_code,
        basis.basis,
        stayers.malgrupp,
        tackning.tackning,
        stayers.kon,
        stayers.aldersgrupp,
        stayers.fodelseregion,
        {%- for count in counts %}
        sum(stayers.{{ count }}) as {{ count }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from stayers
    cross join lateral (values ('00'), (stayers.lanskod)) as area (area_code)
    cross join lateral (
        values ('alla_nivaer', stayers.is_covered), ('utan_centrala', stayers.is_covered_locally)
    ) as basis (basis, is_covered)
    cross join lateral (
        values ('alla'), (case when basis.is_covered then 'tackt' else 'ej_tackt' end)
    ) as tackning (tackning)
    group by
        stayers.period, area.area_code, basis.basis, stayers.malgrupp, tackning.tackning,
        stayers.kon, stayers.aldersgrupp, stayers.fodelseregion

),

-- those who moved: once per area and tackning, whichever of its municipalities they lived in
movers as (

    select
        persons.period,
        area.area_code,
        basis.basis,
        persons.malgrupp,
        persons.person_id,
        persons.kon,
        persons.aldersgrupp,
        persons.fodelseregion,
        {%- for measure in measures %}
        bool_or(persons.{{ measure.name }}) as alla__{{ measure.name }},
        bool_or(persons.{{ measure.name }} and basis.is_covered)
            as tackt__{{ measure.name }},
        bool_or(persons.{{ measure.name }} and not basis.is_covered)
            as ej_tackt__{{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from persons
    cross join lateral (values ('00'), (persons.lanskod)) as area (area_code)
    cross join lateral (
        values ('alla_nivaer', persons.is_covered), ('utan_centrala', persons.is_covered_locally)
    ) as basis (basis, is_covered)
    where persons.n_municipalities > 1
    group by
        persons.period, area.area_code, basis.basis, persons.malgrupp,
        persons.person_id, persons.kon, persons.aldersgrupp, persons.fodelseregion

),

mover_counts as (
    {%- for tackning in ['tackt', 'ej_tackt', 'alla'] %}

    select
        period,
        area_code,
        basis,
        malgrupp,
        '{{ tackning }}' as tackning,
        kon,
        aldersgrupp,
        fodelseregion,
        {%- for measure in measures %}
        count(*) filter (where {{ tackning }}__{{ measure.name }})
            as n_{{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from movers
    group by period, area_code, basis, malgrupp, kon, aldersgrupp, fodelseregion
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

person_counts as (

    select * from stayer_counts
    union all
    select * from mover_counts

),

periods as (

    select distinct period from coverage

),

areas as (

    select '00' as area_code
    union all
    select lanskod from {{ ref('dim_county') }}

),

-- every half-year, area, target group and tackning, with each breakdown value (zero when nobody)
grid as (

    select
        periods.period,
        areas.area_code,
        bases.basis,
        target_groups.malgrupp,
        tackning.tackning,
        breakdown.dimension,
        breakdown.dimension_value
    from periods
    cross join areas
    cross join (values ('alla_nivaer'), ('utan_centrala')) as bases (basis)
    cross join (
        values
        {%- for target_group in registry_target_groups() %}
            ('{{ target_group.code }}'){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as target_groups (malgrupp)
    cross join (values ('tackt'), ('ej_tackt'), ('alla')) as tackning (tackning)
    cross join (
        values {{ outcome_breakdown_values() }}
    ) as breakdown (dimension, dimension_value)

),

breakdown_counts as (

    {%- set sums = [] -%}
    {%- for count in counts -%}{%- do sums.append('sum(' ~ count ~ ') as ' ~ count) -%}{%- endfor %}
    {{ outcome_by_breakdown('person_counts', ['period', 'area_code', 'basis', 'malgrupp', 'tackning'], sums) }}

),

cells as (

    select
        grid.period,
        grid.area_code,
        grid.basis,
        grid.malgrupp,
        grid.tackning,
        grid.dimension,
        grid.dimension_value,
        cell.measure,
        cast(coalesce(cell.value, 0) as bigint) as value
    from grid
    left join breakdown_counts
        on breakdown_counts.period = grid.period
        and breakdown_counts.area_code = grid.area_code
        and breakdown_counts.basis = grid.basis
        and breakdown_counts.malgrupp = grid.malgrupp
        and breakdown_counts.tackning = grid.tackning
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
        ['period', 'area_code', 'basis', 'malgrupp', 'tackning', 'measure', 'dimension', 'dimension_value'],
        outcome_breakdown_relations(['period', 'area_code', 'basis', 'malgrupp', 'tackning', 'measure']) + [
            {'name': 'tackt and ej_tackt add up to alla',
             'partition_by': ['period', 'area_code', 'basis', 'malgrupp', 'measure', 'dimension', 'dimension_value'],
             'total': "tackning = 'alla'"},
            {'name': 'counties add up to riket',
             'partition_by': ['period', 'basis', 'malgrupp', 'tackning', 'measure', 'dimension', 'dimension_value'],
             'total': "area_code = '00'"},
        ],
        passes=16
    ) }}

),

published as (

    select
        period,
        area_code,
        basis,
        malgrupp,
        tackning,
        dimension,
        dimension_value,
        {{ sdc_published_columns(counts) }}
    from suppressed_cells
    group by period, area_code, basis, malgrupp, tackning, dimension, dimension_value

),

months_loaded as (

    {{ outcome_months_loaded_sql() }}

),

inputs as (

    {{ outcome_inputs_of(periods) }}

),

final as (

    select
        published.period,
        case when published.area_code = '00' then 'riket' else 'lan' end as niva,
        case when published.area_code <> '00' then published.area_code end as lanskod,
        published.basis,
        published.malgrupp,
        published.tackning,
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
        inputs.registry_load_id as _load_id,
        inputs.register_load_id as _register_load_id,
        inputs.forms_load_id as _forms_load_id
    from published
    left join months_loaded
        on months_loaded.period = published.period
    left join inputs
        on inputs.period = published.period

)

select * from final
