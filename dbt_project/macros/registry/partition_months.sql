{# The months the partitioned job-seeker facts build (materialization registry_month_partitioned). #}

{#
    The months restricted.fct_jobseeker_month builds (materialization registry_month_partitioned),
    as YYYY-MM-DD text: every job-seeker month in force in a full build (rebuild), else those
    whose load in force is newer than the table's watermark, and the month after each of them
    (when it is in force): a month's endings take the person's target groups from the month
    before, so a month delivered again (or arriving late) changes the following month's rows
    too. A new latest month changes no earlier month.
#}
{% macro registry_partition_months(rebuild) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        with months_in_force as (
            select manad, load_id
            from {{ ref('stg_registry__months') }}
            where extract_name = 'sokande'
        )
        select to_char(months_in_force.manad, 'YYYY-MM-DD')
        from months_in_force
        {%- if not rebuild %}
        where exists (
            select 1 from months_in_force as changed
            where changed.load_id > {{ registry_watermark_sql() }}
                and months_in_force.manad in (
                    changed.manad, {{ registry_add_months('changed.manad', 1) }}
                )
        )
        {%- endif %}
        order by 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#
    A filter on a month column relative to the partition month being built, for a model built by
    registry_month_partitioned that reads other months than its own (the job-seeker facts read
    the month before, for the target groups of an ending): `column` = the partition month minus
    `months_before` months. The model is compiled once for all its months, so the filter is
    rendered as `true` with a marker; the materialization puts each month's date in its place
    (registry_partition_sql), which lets PostgreSQL read that month's partitions only. Anywhere
    else (dbt unit tests, dbt show) it stays `true`.
#}
{% macro registry_partition_month_filter(column, months_before=0) -%}
    true /* registry_partition_month({{ column }}, {{ months_before | int }}) */
{%- endmacro %}

{# The model's SQL for the partition of `month` (YYYY-MM-DD): the markers of registry_partition_month_filter filled in. #}
{% macro registry_partition_sql(sql, month) -%}
    {{ return(modules.re.sub(
        'true /\\* registry_partition_month\\(([A-Za-z_][A-Za-z0-9_.]*), ([0-9]+)\\) \\*/',
        "\\1 = cast(date '" ~ month ~ "' - interval '\\2 months' as date)",
        sql)) }}
{%- endmacro %}
