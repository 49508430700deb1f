{# Half-years (perioder) of the registry models: a month changed rebuilds its whole half-year. #}

{# The half-year (YYYYH1 / YYYYH2, as dim_period.period_key) of a month column. #}
{% macro registry_period_of(month_column) -%}
    (to_char({{ month_column }}, 'YYYY') || case when extract(month from {{ month_column }}) <= 6 then 'H1' else 'H2' end)
{%- endmacro %}

{#
    Every month (YYYY-MM-DD) of the half-years the given months (YYYY-MM-DD) fall in, for
    registry_in_months: a half-year is always rebuilt from all its months. none (a full build)
    stays none.
#}
{% macro registry_months_of_periods(months) -%}
    {%- if months is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set out = [] -%}
    {%- for month in months -%}
        {%- set first = 1 if (month[5:7] | int) <= 6 else 7 -%}
        {%- for number in range(first, first + 6) -%}
            {%- set candidate = '%s-%02d-01' | format(month[:4], number) -%}
            {%- if candidate not in out -%}
                {%- do out.append(candidate) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{# The half-years (YYYYHn) of the given months (YYYY-MM-DD); none stays none. #}
{% macro registry_periods_of_months(months) -%}
    {%- if months is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set out = [] -%}
    {%- for month in months -%}
        {%- set period = month[:4] ~ ('H1' if (month[5:7] | int) <= 6 else 'H2') -%}
        {%- if period not in out -%}
            {%- do out.append(period) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{# Filter on a period column: true in a full build (periods is none), false when none is to be built. #}
{% macro registry_in_periods(column, periods) -%}
    {%- if periods is none -%}
        true
    {%- elif periods | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for p in periods %}'{{ p }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#
    Pre-hook of an incremental model keyed by period whose rebuilt half-years may come out empty:
    delete the rows of the half-years of the months of `relation` changed since this model's last
    build (delete+insert deletes only the keys present in the new rows).
#}
{% macro registry_delete_changed_periods(column, relation) -%}
    {%- if execute and is_incremental() -%}
        {%- set periods = registry_periods_of_months(registry_months_to_build(registry_changed_months_query(relation))) -%}
        {%- if periods | length > 0 -%}
            delete from {{ this }} where {{ registry_in_periods(column, periods) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#
    The outcome measures of the agreement marts, per person, half-year, municipality and target
    group: name (the flag of restricted.fct_jobseeker_period; n_<name> in the marts), the
    condition on a fct_jobseeker_month row, and whether it is an ending (counted in the
    effective target groups of the month, see registry_target_groups).
#}
{% macro registry_outcome_measures() -%}
    {{ return([
        {'name': 'registered_unemployed', 'condition': 'is_registered_unemployed', 'is_ending': false},
        {'name': 'ended', 'condition': 'ended', 'is_ending': true},
        {'name': 'ended_to_work', 'condition': 'ended_to_work', 'is_ending': true},
        {'name': 'ended_to_studies', 'condition': 'ended_to_studies', 'is_ending': true},
        {'name': 'ended_to_work_or_studies', 'condition': '(ended_to_work or ended_to_studies)', 'is_ending': true},
    ]) }}
{%- endmacro %}

{#
    The breakdowns of the agreement marts (dimension, dimension_value), each against its own
    total (alla): as in the follow-up form's template 2024.1 (Kön, Åldersgrupp, Födelseregion).
    column: the attribute of restricted.fct_jobseeker_period the value is read from.
#}
{% macro outcome_dimensions() -%}
    {{ return([
        {'dimension': 'alla', 'column': none, 'values': ['alla']},
        {'dimension': 'kon', 'column': 'kon', 'values': ['K', 'M']},
        {'dimension': 'aldersgrupp', 'column': 'aldersgrupp', 'values': ['16-24', '25-29', '30-64', 'ovriga']},
        {'dimension': 'fodelseregion', 'column': 'fodelseregion', 'values': ['Sverige', 'Utrikes']},
    ]) }}
{%- endmacro %}
