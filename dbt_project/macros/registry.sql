{# Expressions and incremental helpers shared by the registry models (registerutdrag). #}

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

{#
    How many months after the event month the 90-day window of a transition can reach:
    an event on the last day of January (job track) or on 1 February (establishment
    programme, left in January) has its window end in May, four months later. So when a
    month arrives, the cohorts of that month and of the four months before are rebuilt.
#}
{% macro registry_transition_lookback_months() -%}
    {{ return(4) }}
{%- endmacro %}

{#
    The target groups (målgrupper) derived per person and month, in the order the marts list
    them: code (= the boolean column of restricted.fct_jobseeker_month, and the code of the
    seed target_groups) and the condition on a fct_jobseeker_month row. 'alla' = everyone.
#}
{% macro registry_target_groups() -%}
    {{ return([
        {'code': 'alla', 'condition': 'true'},
        {'code': 'unga', 'condition': 'unga'},
        {'code': 'nyanlanda', 'condition': 'nyanlanda'},
        {'code': 'funktionsnedsattning', 'condition': 'funktionsnedsattning'},
        {'code': 'ekonomiskt_bistand', 'condition': 'ekonomiskt_bistand'},
        {'code': 'utrikes_fodda_kvinnor', 'condition': 'utrikes_fodda_kvinnor'},
        {'code': 'langtidsarbetslosa', 'condition': 'langtidsarbetslosa'},
    ]) }}
{%- endmacro %}

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

{#
    The event months a transition model rebuilds (incremental builds): every month from
    lookback months before to the month of each job-seeker month loaded since the model's
    last build (registry_changed_months_sql over fct_jobseeker_month) and of each job
    track snapshot loaded since then.
#}
{% macro registry_transition_months_query(jobseeker_months, registry_months) -%}
    with changed as (
        {{ registry_changed_months_sql(jobseeker_months) }}
        union
        select manad from {{ registry_months }}
        where extract_name = 'jobbspar' and load_id > {{ registry_watermark_sql() }}
    )
    select distinct to_char(event_month, 'YYYY-MM-DD')
    from changed
    cross join lateral generate_series(
        changed.manad - interval '{{ registry_transition_lookback_months() }} months',
        changed.manad,
        interval '1 month'
    ) as event_month
    order by 1
{%- endmacro %}

{#
    The months from each of `months` to lookback months after it (the job-seeker months a
    set of transition cohorts reads), as a list; none in a full build.
#}
{% macro registry_months_with_window(months) -%}
    {%- if months is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if months | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select distinct to_char(cast(m as date) + make_interval(months => k), 'YYYY-MM-DD')
        from unnest(array[{% for m in months %}'{{ m }}'{% if not loop.last %}, {% endif %}{% endfor %}]) as m
        cross join generate_series(0, {{ registry_transition_lookback_months() }}) as k
        order by 1
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {{ return(result.columns[0].values() | map('string') | list) }}
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

{#
    Post-hook of the person-level facts built by delete+insert (transitions, job-track
    participations): fresh statistics for the months just written, so that the models downstream
    plan with them. A small sample (statistics target 10: 3 000 rows, not 30 000) is plenty for
    month and load columns, and keeps this off the critical path of an incremental build
    (measured on the job-seeker facts while they were one plain table: 1.6 s → a fraction on
    12.5 million rows). The job-seeker facts, partitioned now, analyze only the partitions
    written (materialization registry_month_partitioned).
#}
{% macro registry_analyze() -%}
    set local default_statistics_target = 10;
    analyze {{ this }}
{%- endmacro %}

{#
    Pre-hook of the models that join person rows to whole months (transitions, job-track
    participations) or a month to the code lists (the job-seeker facts): no nested loops in
    this model's transaction. The raw tables and the month just inserted often have no
    statistics yet; the planner then takes a month or a snapshot for one row and loops over it
    once per person, which took minutes instead of seconds on a national month. Hash joins read
    each month once, so the cost stays proportional to the months built. `set local` ends with
    the model's transaction.
#}
{% macro registry_hash_joins_only() -%}
    set local enable_nestloop = off
{%- endmacro %}

{#
    delete+insert on PostgreSQL, as dbt's default, with one addition: the temporary table of new
    rows is analyzed first. Without statistics the planner guesses ~200 distinct keys in it and
    deletes with a sequential scan of the whole target (millions of rows for the registry
    models); with them it looks the month up in the target's index. Used by every model with
    incremental_strategy='delete+insert' (today only the registry models).
#}
{% macro postgres__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    analyze {{ source }};
    {{ default__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) }}
{%- endmacro %}
