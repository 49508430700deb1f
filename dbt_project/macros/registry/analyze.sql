{# Statistics after the person-level facts are written (post-hook). #}

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
