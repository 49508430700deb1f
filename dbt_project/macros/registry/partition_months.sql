{# The months the partitioned job-seeker facts build (materialization registry_month_partitioned). #}

{#
    The months restricted.fct_jobseeker_month builds (materialization registry_month_partitioned),
    as YYYY-MM-DD text: every job-seeker month in force in a full build (rebuild), else those
    whose load in force is newer than the table's watermark.
#}
{% macro registry_partition_months(rebuild) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select to_char(manad, 'YYYY-MM-DD')
        from {{ ref('stg_registry__months') }}
        where extract_name = 'sokande'
            {%- if not rebuild %}
            and load_id > {{ registry_watermark_sql() }}
            {%- endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('string') | list) }}
{%- endmacro %}
