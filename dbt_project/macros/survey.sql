{#
    The rows of one raw survey table that belong to the latest load of their survey wave
    (enkat_id, omgang): a wave delivered more than once is read from its latest load only
    (see stg_survey__waves). Used as the first CTE of every survey staging model.
#}
{% macro survey_latest_load(table_name) -%}
    select source_rows.*
    from {{ source('survey', table_name) }} as source_rows
    inner join {{ ref('stg_survey__waves') }} as waves
        on source_rows._load_id = waves.load_id
{%- endmacro %}

{#
    Integer answer / scale code as delivered ('1', ' 2 '); anything else becomes null
    (the loader rejects codes that are not on the scale).
#}
{% macro parse_survey_code(column) -%}
    case
        when btrim({{ column }}) ~ '^-?[0-9]+$' then cast(btrim({{ column }}) as integer)
    end
{%- endmacro %}

{#
    Number with decimal comma ('3,5', '1 200,5') or point; anything else becomes null.
#}
{% macro parse_decimal_comma(column) -%}
    case
        when regexp_replace({{ column }}, '\s', '', 'g') ~ '^-?[0-9]+([.,][0-9]+)?$'
            then cast(replace(regexp_replace({{ column }}, '\s', '', 'g'), ',', '.') as numeric)
    end
{%- endmacro %}
