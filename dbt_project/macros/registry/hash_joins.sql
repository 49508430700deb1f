{# Join strategy of the models that join person rows to whole months (pre-hook). #}

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
