{#
    Statistical disclosure control (röjandekontroll) of the aggregated registry marts.

    Scheme, the same in every mart:
      * Every published count `x` has a boolean `x_suppressed`. A suppressed count is null and
        its flag true; a shown count has its flag false. Shares have a flag too.
      * Primary suppression: a count from 1 to threshold - 1 (var sdc_threshold, default 5, so
        1–4) is suppressed. 0 is shown: that nobody in a group has a property discloses nothing
        about a person (common practice in Swedish official statistics).
      * Secondary suppression: the counts of a mart form additive relations (cells that add up
        to a published total, the total included, e.g. the municipalities of a month and Riket).
        A relation with exactly one suppressed cell would let anyone recompute it from the
        others, so the smallest other shown cell of that relation is suppressed as well: a
        non-zero part first (a suppressed 0 protects nothing), else the total. Cells belong to
        several relations; suppressing one can break another, so this is repeated for a fixed
        number of passes (var sdc_passes, default 8); the generic test
        sdc_no_single_suppressed_cell fails if a relation still has exactly one.
      * Shares: suppressed when their numerator or denominator, or any count they are computed
        from, is suppressed (macro sdc_share), so a share never reveals a suppressed count.
    Known limit: this is the classic heuristic, not an optimal (linear-programming) cell
    suppression; suppressed cells spread over several linked relations are protected against
    recomputation from any single relation, the case the test checks.
#}

{% macro sdc_threshold() -%}
    {{ return(var('sdc_threshold', 5)) }}
{%- endmacro %}

{# True when a count is primarily suppressed: 1 .. threshold - 1 (0 is shown). #}
{% macro sdc_is_primary(value) -%}
    ({{ value }} between 1 and {{ sdc_threshold() - 1 }})
{%- endmacro %}

{#
    Cell suppression of a long table of counts.

    cells        relation (CTE name) with one row per published count: the key_columns and
                 `value` (integer, not null)
    key_columns  columns identifying a cell (they also break ties between equal candidates)
    relations    list of additive relations, each a dict:
                   partition_by  list of expressions: one relation instance per value
                   total         boolean expression that is true for the instance's total cell
                   where         optional boolean expression: which cells take part (default all)
    passes       rounds of secondary suppression (default var sdc_passes, 8)

    Returns a select: the key columns, value, is_primary (1..threshold-1) and suppressed
    (primary or secondary). Values are returned unmasked: the caller publishes
    `case when not suppressed then value end`.
#}
{% macro sdc_suppress(cells, key_columns, relations, passes=none) -%}
{%- set passes = passes or var('sdc_passes', 8) -%}
{%- set keys = key_columns | join(', ') -%}
select {{ keys }}, value, is_primary, suppressed
from (

    with

    sdc_pass_0 as (

        select
            {{ keys }},
            value,
            {{ sdc_is_primary('value') }} as is_primary,
            {{ sdc_is_primary('value') }} as suppressed,
            row_number() over (order by {{ keys }}) as sdc_cell_id
        from {{ cells }}

    ),
    {% for pass in range(1, passes + 1) %}

    sdc_picks_{{ pass }} as (
        {%- for relation in relations %}

        -- {{ relation.get('name', 'relation ' ~ loop.index) }}: the smallest other cell where exactly one is suppressed
        select sdc_cell_id
        from (
            select
                sdc_cell_id,
                suppressed,
                count(*) filter (where suppressed) over sdc_relation as n_suppressed,
                row_number() over (
                    sdc_relation
                    order by suppressed, value = 0, ({{ relation.total }}), value, {{ keys }}
                ) as candidate_rank
            from sdc_pass_{{ pass - 1 }}
            where {{ relation.get('where', 'true') }}
            window sdc_relation as (partition by {{ relation.partition_by | join(', ') }})
        ) as ranked
        where n_suppressed = 1 and not suppressed and candidate_rank = 1
        {%- if not loop.last %}
        union{% endif %}
        {%- endfor %}

    ),

    sdc_pass_{{ pass }} as (

        select
            {{ keys }},
            value,
            is_primary,
            suppressed or sdc_cell_id in (select sdc_cell_id from sdc_picks_{{ pass }}) as suppressed,
            sdc_cell_id
        from sdc_pass_{{ pass - 1 }}

    ),
    {% endfor %}

    sdc_final as (

        select * from sdc_pass_{{ passes }}

    )

    select * from sdc_final

) as sdc_suppressed
{%- endmacro %}

{#
    A share numerator / denominator for publishing: null when suppressed or undefined
    (denominator 0). suppressed_flags: the _suppressed flags of every count the share is
    computed from; the share is suppressed when any of them is.
#}
{% macro sdc_share(numerator, denominator, suppressed_flags) -%}
    case
        when not ({{ sdc_any(suppressed_flags) }}) and {{ denominator }} > 0
            then cast({{ numerator }} as numeric) / {{ denominator }}
    end
{%- endmacro %}

{# True when any of the given boolean expressions is true. #}
{% macro sdc_any(suppressed_flags) -%}
    ({{ suppressed_flags | join(' or ') }})
{%- endmacro %}

{#
    The published columns of a mart from the rows of sdc_suppress (one row per cell, with `measure`,
    `value` and `suppressed`), grouped by the mart's key: per count, its value where not suppressed and
    its flag `<count>_suppressed`.
#}
{% macro sdc_published_columns(counts) -%}
    {%- for count in counts %}
        max(case when not suppressed then value end) filter (where measure = '{{ count }}')
            as {{ count }},
        bool_or(suppressed) filter (where measure = '{{ count }}')
            as {{ count }}_suppressed{% if not loop.last %},{% endif %}
    {%- endfor %}
{%- endmacro %}
