{# The 90-day window of the transition models: lookback, and the event and job-seeker months an incremental build rebuilds and reads. #}

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
