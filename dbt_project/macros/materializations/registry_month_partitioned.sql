{#
    Materialization of restricted.fct_jobseeker_month: a table partitioned by month (range
    partitions on `partition_column`, one per job-seeker month, named <model>_YYYYMM).

    Why not dbt's incremental materialization: it can only create a plain table (create table
    as), and in the plain table a full build left every month's rows spread over the whole
    table (the correlation of manad with the row order was 0.04). Every model that reads a few
    months (the new month, the 90-day windows before it) then read all 12 million rows of two
    years. With one partition per month PostgreSQL reads only the partitions of the months in
    the query, so adding a month costs work proportional to that month.

    What it builds (the months come from registry_partition_months):
      - full build (--full-refresh, no table yet, or a table that is not partitioned): the
        table is dropped and created again, one partition per month in force;
      - incremental build: the months whose load in force is newer than any row of the table
        (new months, and months delivered again) and the month after each (its endings read
        the month before); each such month's partition is dropped and created again.
    Each partition is made with the model's rows of that month (`create table as ... where
    <column> = month`, which PostgreSQL pushes down to the month's raw partition, and may read
    with parallel workers, which an insert may not; a model that also reads another month
    names it with registry_partition_month_filter, filled in here month by month), then
    attached: PostgreSQL then builds the table's indexes on it in one go, instead of updating
    them row by row during an insert (a second less per month). Everything happens in one
    transaction: readers see the old month or the new one, never half of it.

    Statistics: after a full build of the whole table (partitions and the table as a whole,
    which joins on person_id use), after an incremental build of the new partitions only (the
    distribution over the whole table hardly moves with one month; analyzing the table would
    sample every partition again).

    The model's columns must stay those of the table (as on_schema_change='fail'): a change
    needs --full-refresh. Indexes (config `indexes`) are created on the partitioned table once,
    and PostgreSQL adds them to every partition created later.
#}
{% materialization registry_month_partitioned, adapter='postgres' %}

    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set column = config.require('partition_column') -%}
    {%- set rebuild = should_full_refresh()
        or existing_relation is none
        or not registry_is_partitioned(existing_relation) -%}
    {%- set months = registry_partition_months(rebuild) -%}
    {%- set shape_relation = make_temp_relation(target_relation, '__shape') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    -- `BEGIN` happens here
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- the model's columns, from a table with its shape and no rows (planned, not run) -#}
    {% call statement('shape') -%}
        drop table if exists {{ shape_relation }};
        create temporary table {{ shape_relation }} as
        select * from (
            {{ sql }}
        ) as model_rows
        with no data
    {%- endcall %}
    {%- set columns = adapter.get_columns_in_relation(shape_relation) -%}

    {% if rebuild %}
        {% if existing_relation is not none %}
            {% do adapter.drop_relation(existing_relation) %}
        {% endif %}
        {% call statement('create_partitioned') -%}
            create table {{ target_relation }} (like {{ shape_relation }})
            partition by range ({{ adapter.quote(column) }})
        {%- endcall %}
    {% else %}
        {%- set existing_columns = adapter.get_columns_in_relation(existing_relation) -%}
        {%- set new_columns = [] -%}
        {%- for c in columns %}{% do new_columns.append(c.name ~ ' ' ~ c.data_type) %}{% endfor -%}
        {%- set old_columns = [] -%}
        {%- for c in existing_columns %}{% do old_columns.append(c.name ~ ' ' ~ c.data_type) %}{% endfor -%}
        {% if new_columns != old_columns %}
            {% do exceptions.raise_compiler_error(
                "The columns of " ~ this ~ " have changed (table: " ~ old_columns | join(', ')
                ~ "; model: " ~ new_columns | join(', ') ~ "). Rebuild it (and the models after it) once from raw: "
                ~ "python -m ingestion rebuild --select +tag:registry") %}
        {% endif %}
    {% endif %}

    {#- one statement per month, the create table as last: its row count is the month's -#}
    {%- set rows_written = [] -%}
    {%- for month in months %}
        {%- set partition = api.Relation.create(
            database=target_relation.database,
            schema=target_relation.schema,
            identifier=target_relation.identifier ~ '_' ~ month[:4] ~ month[5:7]) %}
        {% call statement('fill_' ~ loop.index) -%}
            drop table if exists {{ partition }};
            create table {{ partition }} as
            select model_rows.*
            from (
                {{ registry_partition_sql(sql, month) }}
            ) as model_rows
            where model_rows.{{ adapter.quote(column) }} = date '{{ month }}'
        {%- endcall %}
        {%- do rows_written.append(load_result('fill_' ~ loop.index).response.rows_affected) %}
        {% call statement('attach_' ~ loop.index) -%}
            alter table {{ target_relation }} attach partition {{ partition }}
                for values from (date '{{ month }}') to (date '{{ month }}' + interval '1 month');
            {%- if not rebuild %}
            analyze {{ partition }};
            {%- endif %}
        {%- endcall %}
    {%- endfor %}
    {% call statement('finish') -%}
        {%- if rebuild %}
        -- statistics of every partition and of the table as a whole (joins on person_id use those)
        analyze {{ target_relation }};
        {%- endif %}
        drop table {{ shape_relation }}
    {%- endcall %}
    {%- set n_rows = rows_written | sum -%}
    {%- do store_raw_result(name='main', message='INSERT 0 ' ~ n_rows, code='INSERT', rows_affected=n_rows) -%}

    {% if rebuild %}
        {% do create_indexes(target_relation) %}
    {% endif %}

    {% do apply_grants(target_relation, config.get('grants'), should_revoke=should_revoke(existing_relation, rebuild)) %}
    {% do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    -- `COMMIT` happens here
    {% do adapter.commit() %}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}


{# True when `relation` is a partitioned table (an older warehouse may hold a plain one). #}
{% macro registry_is_partitioned(relation) -%}
    {%- set result = run_query(
        "select count(*) from pg_catalog.pg_partitioned_table as p"
        ~ " join pg_catalog.pg_class as c on c.oid = p.partrelid"
        ~ " join pg_catalog.pg_namespace as n on n.oid = c.relnamespace"
        ~ " where n.nspname = '" ~ relation.schema ~ "' and c.relname = '" ~ relation.identifier ~ "'") -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}
