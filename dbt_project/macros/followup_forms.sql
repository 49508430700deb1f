{# Expressions shared by the follow-up form models. #}

{#
    A number written as text ('40', '12.5', '12,5', ' 7 '); anything else (ja/nej, empty)
    becomes null.
#}
{% macro parse_number(column) -%}
    case
        when btrim({{ column }}) ~ '^-?[0-9]+([.,][0-9]+)?$'
            then cast(replace(btrim({{ column }}), ',', '.') as numeric)
    end
{%- endmacro %}

{#
    The day the follow-up models treat as "today" (which periods have ended): the var
    followup_as_of_date when set (tests, reruns of a past state), else current_date.
#}
{% macro followup_as_of_date() -%}
    {%- if var('followup_as_of_date', none) -%}
        cast('{{ var("followup_as_of_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

{#
    A form submitted at the timestamptz submitted_at is on time for a period with due date
    due_date when it was submitted on or before the due date in Swedish time (the whole due
    day counts).
#}
{% macro submitted_on_time(submitted_at, due_date) -%}
    (cast(({{ submitted_at }}) at time zone 'Europe/Stockholm' as date) <= {{ due_date }})
{%- endmacro %}

{# Step of the collaboration staircase (samhandlingstrappan): samtal 1 .. samhandling 4. #}
{% macro collaboration_level_step(column) -%}
    case {{ column }}
        when 'samtal' then 1
        when 'samsyn' then 2
        when 'samverkan' then 3
        when 'samhandling' then 4
    end
{%- endmacro %}
