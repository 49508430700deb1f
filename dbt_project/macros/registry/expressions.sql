{# Expressions over the columns of the registry extracts (registerutdrag): J/N flags, dates, month arithmetic. #}

{#
    A J/N flag of the extracts as a boolean: J (or an already boolean true) is true; N, empty
    and anything else is false.
#}
{% macro registry_flag(column) -%}
    coalesce(upper(cast({{ column }} as text)) in ('J', 'TRUE'), false)
{%- endmacro %}

{#
    A date of the extracts: the loader stores dates either typed or as validated YYYY-MM-DD
    text; empty is null.
#}
{% macro registry_date(column) -%}
    cast(nullif(btrim(cast({{ column }} as text)), '') as date)
{%- endmacro %}

{# Last day of the month that starts on the date month_start. #}
{% macro registry_month_end(month_start) -%}
    cast({{ month_start }} + interval '1 month' - interval '1 day' as date)
{%- endmacro %}

{# The month n months after (negative: before) the month that starts on month_start. #}
{% macro registry_add_months(month_start, n) -%}
    cast({{ month_start }} + interval '{{ n }} months' as date)
{%- endmacro %}
