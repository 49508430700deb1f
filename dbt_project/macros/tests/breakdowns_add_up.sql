{#
    Generic test: within `partition_by`, the values of every breakdown (dimension other than
    alla) add up to the breakdown's alla row, for each of `counts`, where none of the cells is
    suppressed (a person has one sex, age group and birth region per half-year, so a breakdown is
    a partition of its alla row). Returns the instances that do not add up.
#}
{% test breakdowns_add_up(model, counts, partition_by) %}

with

totals as (

    select {{ partition_by | join(', ') }}, {{ counts | join(', ') }}
    from {{ model }}
    where dimension = 'alla'

),

parts as (

    select
        {{ partition_by | join(', ') }},
        dimension,
        {%- for count in counts %}
        sum({{ count }}) as {{ count }},
        bool_or({{ count }}_suppressed) as {{ count }}_suppressed{% if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ model }}
    where dimension <> 'alla'
    group by {{ partition_by | join(', ') }}, dimension

)

select parts.*
from parts
inner join totals
    on {% for column in partition_by %}totals.{{ column }} is not distinct from parts.{{ column }}{% if not loop.last %} and {% endif %}{% endfor %}
where
    {%- for count in counts %}
    (not parts.{{ count }}_suppressed and totals.{{ count }} is not null and parts.{{ count }} <> totals.{{ count }})
    {%- if not loop.last %} or{% endif %}
    {%- endfor %}

{% endtest %}
