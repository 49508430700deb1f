{#
    Overrides dbt's own generate_schema_name (dbt-core's default__generate_schema_name), which
    every model, seed and test resolves its schema with; dbt picks a root-project macro of that
    name over its own.

    Why: use the custom schema name verbatim (staging, intermediate, marts, restricted) instead of
    dbt's default "<target_schema>_<custom_schema>". The schemas, their owner and the analysts'
    grants are created by the ingestion package's bootstrap under those exact names. Models
    without a custom schema land in the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
