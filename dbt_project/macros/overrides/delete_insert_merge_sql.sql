{#
    Overrides dbt's delete+insert incremental strategy on PostgreSQL, for every model with
    incremental_strategy='delete+insert' in this project (today only the registry models).
    dbt's get_delete_insert_merge_sql dispatches to <adapter>__get_delete_insert_merge_sql
    before default__get_delete_insert_merge_sql; dbt-postgres ships no postgres__ variant, so
    this one takes over from dbt's default, and still calls it for the delete and the insert.

    Why: delete+insert on PostgreSQL, as dbt's default, with one addition: the temporary table of
    new rows is analyzed first. Without statistics the planner guesses ~200 distinct keys in it
    and deletes with a sequential scan of the whole target (millions of rows for the registry
    models); with them it looks the month up in the target's index.
#}
{% macro postgres__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    analyze {{ source }};
    {{ default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
{%- endmacro %}
