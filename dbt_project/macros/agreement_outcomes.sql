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
