{# Incremental builds of the registry models: the watermark, the months changed since the last build, and the filters and deletes on those months. #}

{#
    Incremental builds of the registry models. Every incremental registry model keeps a
    column _load_id: the newest registry load (meta.load_audit.load_id) its rows were built
    from. Load ids only grow and a month delivered again gets a new, higher one, so "what is
    new since the last build" is "what has a load id above max(_load_id) of this model"
    (an index lookup: the models index _load_id).

    registry_months_to_build(query) runs `query` when the model is built incrementally and
    returns its single column (text, YYYY-MM-DD) as a list; in a full build it returns none.
    The query is run when the model is compiled, just before it is built, so the months end
    up in the SQL as literals: PostgreSQL prunes the job-seeker partitions and uses the
    month index at plan time.
#}
{% macro registry_watermark_sql() -%}
    (select coalesce(max(_load_id), 0) from {{ this }})
{%- endmacro %}

{% macro registry_months_to_build(query) -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query(query) -%}
        {{ return(result.columns[0].values() | map('string') | list) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#
    Filter on a month column: true in a full build (months is none), false when nothing is
    to be built, else `column in (date literals)`.
#}
{% macro registry_in_months(column, months) -%}
    {%- if months is none -%}
        true
    {%- elif months | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for m in months %}date '{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#
    The months of `relation` that hold rows built from a load newer than this model's watermark:
    "what changed since the last build". Not `select distinct month ... where _load_id > W`,
    which reads every row of the new months (half a million per job-seeker month, a second each
    time): per month, the highest load id of the month instead, which PostgreSQL reads from the
    end of the (month, _load_id) index of the facts (every relation passed here needs one). A
    min/max lookup like this is the one plan the planner always takes the index for; an
    `exists`/`limit 1` probe let it pick a sequential scan "that stops at the first match" and
    read the whole table once per month when no month had changed (20 s on the job-track facts).
    A month of these models is always rebuilt whole, so its highest load id says whether any of
    its rows is new.
#}
{% macro registry_changed_months_sql(relation, month_column='manad') -%}
    select cast(candidate.month as date) as manad
    from generate_series(
        (select min({{ month_column }}) from {{ relation }}),
        (select max({{ month_column }}) from {{ relation }}),
        interval '1 month'
    ) as candidate (month)
    cross join lateral (
        select max(changed._load_id) as load_id
        from {{ relation }} as changed
        where changed.{{ month_column }} = cast(candidate.month as date)
    ) as newest
    where newest.load_id > {{ registry_watermark_sql() }}
{%- endmacro %}

{# registry_changed_months_sql as a months query for registry_months_to_build (YYYY-MM-DD text). #}
{% macro registry_changed_months_query(relation) -%}
    select to_char(changed.manad, 'YYYY-MM-DD')
    from ({{ registry_changed_months_sql(relation) }}) as changed
    order by 1
{%- endmacro %}

{#
    Pre-hook of an incremental model whose rebuilt months may come out empty (a person-level
    model: a month can lose all its events when a month is delivered again): delete the rows of
    the months about to be rebuilt, so that no stale row survives (delete+insert only deletes the
    keys present in the new rows). Runs in the same transaction as the insert.
#}
{% macro registry_delete_months(column, months_query) -%}
    {%- if execute and is_incremental() -%}
        {%- set months = registry_months_to_build(months_query) -%}
        {%- if months | length > 0 -%}
            delete from {{ this }} where {{ registry_in_months(column, months) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
