{#
    Generic tests of the disclosure control of a published mart (scheme: macros/disclosure_control.sql).
    Counts are columns `x` with a flag `x_suppressed`.
#}

{#
    Suppressed cells are null and shown counts are never 1 .. threshold - 1 (nor null); every
    flag is set; a suppressed share is null.
#}
{% test sdc_cells_masked(model, counts, shares=[]) %}

select *
from {{ model }}
where false
{%- for count in counts %}
    or {{ count }}_suppressed is null
    or ({{ count }}_suppressed and {{ count }} is not null)
    or (not {{ count }}_suppressed and ({{ count }} is null or {{ sdc_is_primary(count) }}))
{%- endfor %}
{%- for share in shares %}
    or {{ share }}_suppressed is null
    or ({{ share }}_suppressed and {{ share }} is not null)
{%- endfor %}

{% endtest %}

{#
    No additive relation of the mart has exactly one suppressed cell (else it could be
    recomputed from the total and the other cells). counts: the count columns; relations: as
    for sdc_suppress (partition_by, total, where), evaluated on the mart unpivoted to one row
    per cell with a column `measure` (the count's column name), `value` and `suppressed`.
    Returns one row per relation instance with exactly one suppressed cell.
#}
{% test sdc_no_single_suppressed_cell(model, counts, relations) %}

with

cells as (

    select published.*, cell.measure, cell.value, cell.suppressed
    from {{ model }} as published
    cross join lateral (
        values
        {%- for count in counts %}
            ('{{ count }}', published.{{ count }}, published.{{ count }}_suppressed){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as cell (measure, value, suppressed)

),

instances as (
    {%- for relation in relations %}

    select
        '{{ relation.get('name', 'relation ' ~ loop.index) }}' as relation_name,
        concat_ws(' | ', {{ relation.partition_by | join(', ') }}) as relation_instance,
        count(*) filter (where suppressed) as n_suppressed,
        count(*) as n_cells
    from cells
    where {{ relation.get('where', 'true') }}
    group by {{ relation.partition_by | join(', ') }}
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select * from instances
where n_suppressed = 1

{% endtest %}
