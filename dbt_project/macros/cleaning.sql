{# Small, reusable cleaning expressions for text columns delivered "as is" into raw. #}

{# Trimmed text; empty string becomes null. #}
{% macro clean_text(column) -%}
    nullif(btrim({{ column }}), '')
{%- endmacro %}

{# Trimmed, lower-cased code value (enums); empty becomes null. #}
{% macro clean_code(column) -%}
    nullif(lower(btrim({{ column }})), '')
{%- endmacro %}

{# Trimmed text with internal whitespace collapsed to one space. #}
{% macro normalise_whitespace(column) -%}
    nullif(btrim(regexp_replace({{ column }}, '\s+', ' ', 'g')), '')
{%- endmacro %}

{# ISO date (a trailing time part, as from Excel, is ignored); empty becomes null. #}
{% macro parse_date(column) -%}
    cast(nullif(left(btrim({{ column }}), 10), '') as date)
{%- endmacro %}

{# Timestamp; empty becomes null. #}
{% macro parse_timestamp(column) -%}
    cast(nullif(btrim({{ column }}), '') as timestamp)
{%- endmacro %}

{#
    Yes/no as delivered: J/N, Ja/Nej, ja/nej, 1/0 (any case). Empty or anything else
    is unknown (null).
#}
{% macro parse_yes_no(column) -%}
    case lower(btrim({{ column }}))
        when 'j' then true
        when 'ja' then true
        when '1' then true
        when 'n' then false
        when 'nej' then false
        when '0' then false
    end
{%- endmacro %}

{#
    Zero-pad a numeric code that lost its leading zero in Excel ('140' -> '0140').
    Non-numeric values are passed through trimmed, so that tests can catch them.
#}
{% macro pad_code(column, width) -%}
    case
        when btrim({{ column }}) ~ '^[0-9]+$'
            then lpad(btrim({{ column }}), {{ width }}, '0')
        else nullif(btrim({{ column }}), '')
    end
{%- endmacro %}

{#
    Deterministic surrogate key (md5 of the columns, null-safe), like
    dbt_utils.generate_surrogate_key.
#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('||'
    {%- for column in columns %},
        coalesce(cast({{ column }} as text), '_null_')
    {%- endfor %}
    ))
{%- endmacro %}

{#
    The rows of one raw register table that belong to the latest load of each snapshot date
    (a corrected re-delivery of a date replaces the earlier one). Used as the first CTE of
    every register staging model.
#}
{% macro register_latest_load(table_name) -%}
    select source_rows.*
    from {{ source('agreement_register', table_name) }} as source_rows
    inner join {{ ref('stg_agreement_register__snapshots') }} as snapshots
        on source_rows._load_id = snapshots.load_id
{%- endmacro %}
