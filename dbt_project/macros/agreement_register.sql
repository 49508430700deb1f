{#
    The ONE "in force" rule of the warehouse. The agreement (columns status, giltig_from,
    tecknad_datum, giltig_tom of the row in scope) is in force at some time during
    [start_date, end_date]: signed or revised, and validity [coalesce(giltig_from,
    tecknad_datum), giltig_tom] overlaps the interval; an unknown start counts as started,
    an unknown end as until further notice. On one date d: agreement_in_force_during(d, d)
    (int_agreement_register__agreements_by_snapshot); over a half-year: the follow-up models.
#}
{% macro agreement_in_force_during(start_date, end_date) -%}
    (
        status in ('tecknad', 'reviderad')
        and (coalesce(giltig_from, tecknad_datum) is null
             or coalesce(giltig_from, tecknad_datum) <= {{ end_date }})
        and (giltig_tom is null or giltig_tom >= {{ start_date }})
    )
{%- endmacro %}
