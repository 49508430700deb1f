{# Incremental builds of the agreement outcome marts (mart_agreement_outcomes, mart_coverage_outcomes). #}

{#
    What a half-year of the outcome marts is built from, per period: the newest registry load of
    its months (restricted.fct_jobseeker_period, read from its (period, _load_id) index), the load
    of the register snapshot used for it, and the newest load of its follow-up forms (any
    version). The marts store the three beside every row (_load_id, _register_load_id,
    _forms_load_id); a half-year whose inputs differ from those stored is rebuilt: a new month
    rebuilds its half-year, a new register snapshot the half-years whose snapshot it becomes, a
    new form version its half-year.
#}
{% macro outcome_inputs_sql() -%}
    select
        coverage.period,
        (
            select max(persons._load_id)
            from {{ ref('fct_jobseeker_period') }} as persons
            where persons.period = coverage.period
        ) as registry_load_id,
        coverage.register_load_id,
        (
            select max(forms.load_id)
            from {{ ref('stg_followup_forms__forms') }} as forms
            where forms.period = coverage.period
        ) as forms_load_id
    from (
        select period, max(register_load_id) as register_load_id
        from {{ ref('int_agreement_outcomes__coverage') }}
        group by period
    ) as coverage
{%- endmacro %}

{#
    The half-years to build: none in a full build (all), else those whose inputs
    (outcome_inputs_sql) differ from the ones stored in the model.
#}
{% macro outcome_periods_to_build() -%}
    {%- if execute and is_incremental() -%}
        {%- set query -%}
            select inputs.period
            from ({{ outcome_inputs_sql() }}) as inputs
            where not exists (
                select
                from {{ this }} as built
                where built.period = inputs.period
                    and built._load_id is not distinct from inputs.registry_load_id
                    and built._register_load_id is not distinct from inputs.register_load_id
                    and built._forms_load_id is not distinct from inputs.forms_load_id
            )
            order by 1
        {%- endset -%}
        {{ return(run_query(query).columns[0].values() | map('string') | list) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#
    The additive relations of a breakdown mart for sdc_suppress: within `partition_by`, the values
    of each breakdown (kon, aldersgrupp, fodelseregion) add up to its alla row.
#}
{% macro outcome_breakdown_relations(partition_by) -%}
    {%- set relations = [] -%}
    {%- for dimension in outcome_dimensions() if dimension.column is not none -%}
        {%- do relations.append({
            'name': dimension.dimension ~ ' adds up to alla',
            'partition_by': partition_by,
            'where': "dimension in ('alla', '" ~ dimension.dimension ~ "')",
            'total': "dimension = 'alla'",
        }) -%}
    {%- endfor -%}
    {{ return(relations) }}
{%- endmacro %}

{# The breakdowns' (dimension, dimension_value) rows, for a `values` list: every value of every breakdown. #}
{% macro outcome_breakdown_values() -%}
    {%- for dimension in outcome_dimensions() %}
    {%- set outer_last = loop.last %}
    {%- for value in dimension['values'] %}
        ('{{ dimension.dimension }}', '{{ value }}'){% if not (outer_last and loop.last) %},{% endif %}
    {%- endfor %}
    {%- endfor %}
{%- endmacro %}

{#
    `relation` aggregated once per breakdown (the union of them): grouped by `keys` and the breakdown's
    column, with columns dimension and dimension_value; `aggregates` are select expressions ("sum(x) as x").
    skip_unknown: leave out the rows whose breakdown column is null (a form without that breakdown).
#}
{% macro outcome_by_breakdown(relation, keys, aggregates, skip_unknown=false) -%}
    {%- for dimension in outcome_dimensions() %}

    select
        {{ keys | join(', ') }},
        '{{ dimension.dimension }}' as dimension,
        {{ "'alla'" if dimension.column is none else dimension.column }} as dimension_value,
        {{ aggregates | join(',\n        ') }}
    from {{ relation }}
    {%- if skip_unknown and dimension.column is not none %}
    where {{ dimension.column }} is not null
    {%- endif %}
    group by
        {{ keys | join(', ') }}{% if dimension.column is not none %},
        {{ dimension.column }}{% endif %}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{# Months of each half-year in the registry (n_months_loaded of the outcome marts). #}
{% macro outcome_months_loaded_sql() -%}
    select
        {{ registry_period_of('manad') }} as period,
        count(*) as n_months_loaded
    from {{ ref('stg_registry__months') }}
    where extract_name = 'sokande'
    group by {{ registry_period_of('manad') }}
{%- endmacro %}

{# outcome_inputs_sql for the half-years being built (what the marts store beside their rows). #}
{% macro outcome_inputs_of(periods) -%}
    select period, registry_load_id, register_load_id, forms_load_id
    from ({{ outcome_inputs_sql() }}) as inputs
    where {{ registry_in_periods('period', periods) }}
{%- endmacro %}
