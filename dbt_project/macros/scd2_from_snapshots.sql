{#
    Slowly changing dimension (type 2) built from full snapshots with gaps-and-islands.

    Rebuilt from ALL loaded snapshots on every run (no dbt snapshots), so a late delivery
    whose snapshot date is older than the newest one simply slots into history at its own
    date.

    Arguments
      source_relation          relation with one row per key x snapshot date (only the keys
                               present in that snapshot), holding the key columns, the
                               attribute columns and `snapshot_date_column`
      snapshot_dates_relation  relation listing every loaded snapshot date (column
                               `snapshot_date`): a snapshot where a key is missing counts
                               as a removal even if the snapshot has no rows in source_relation
      key_columns              list of columns identifying the tracked entity
      attribute_columns        list of columns whose changes open a new version

    Output: one row per version
      key columns, attribute columns, version_number (1, 2, ...), valid_from (first snapshot
      date of the version), valid_to (snapshot date at which the next version starts; null
      for the current version), last_snapshot_date, in_register (false = the key is missing
      from the register from valid_from on; its attributes are carried over from the last
      version seen), is_current.
    Consecutive snapshots with identical attributes form one version; a key that disappears
    gets a closing version with in_register = false; a key that comes back opens a new one.
#}
{% macro scd2_from_snapshots(source_relation, snapshot_dates_relation, key_columns, attribute_columns, snapshot_date_column='snapshot_date') %}
{%- set keys = key_columns | join(', ') -%}
{%- set key_join -%}
    {%- for k in key_columns %}{% if not loop.first %} and {% endif %}o.{{ k }} = g.{{ k }}{% endfor -%}
{%- endset -%}

with

snapshot_dates as (

    select distinct snapshot_date
    from {{ snapshot_dates_relation }}

),

observations as (

    select
        {{ keys }},
        {%- for a in attribute_columns %}
        {{ a }},
        {%- endfor %}
        {{ snapshot_date_column }} as snapshot_date
    from {{ source_relation }}

),

first_seen as (

    select
        {{ keys }},
        min(snapshot_date) as first_seen_date
    from observations
    group by {{ keys }}

),

key_snapshot_grid as (

    -- every key at every loaded snapshot from its first appearance on
    select
        {%- for k in key_columns %}
        first_seen.{{ k }},
        {%- endfor %}
        snapshot_dates.snapshot_date
    from first_seen
    inner join snapshot_dates
        on snapshot_dates.snapshot_date >= first_seen.first_seen_date

),

observed_grid as (

    select
        {%- for k in key_columns %}
        g.{{ k }},
        {%- endfor %}
        g.snapshot_date,
        o.snapshot_date is not null as in_register
        {%- for a in attribute_columns %},
        o.{{ a }}
        {%- endfor %}
    from key_snapshot_grid as g
    left join observations as o
        on {{ key_join }}
        and o.snapshot_date = g.snapshot_date

),

hashed as (

    select
        *,
        md5(cast(row(in_register{% for a in attribute_columns %}, {{ a }}{% endfor %}) as text)) as state_hash
    from observed_grid

),

flagged as (

    select
        *,
        case
            when (state_hash is distinct from lag(state_hash) over (
                partition by {{ keys }} order by snapshot_date
            )) then 1
            else 0
        end as starts_version
    from hashed

),

islands as (

    select
        *,
        sum(starts_version) over (
            partition by {{ keys }}
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as version_number
    from flagged

),

versions as (

    select
        {{ keys }},
        version_number,
        in_register,
        {%- for a in attribute_columns %}
        {{ a }},
        {%- endfor %}
        min(snapshot_date) as valid_from,
        max(snapshot_date) as last_snapshot_date
    from islands
    group by
        {{ keys }},
        version_number,
        in_register
        {%- for a in attribute_columns %},
        {{ a }}
        {%- endfor %}

),

final as (

    select
        {{ keys }},
        version_number,
        valid_from,
        lead(valid_from) over (partition by {{ keys }} order by valid_from) as valid_to,
        last_snapshot_date,
        in_register,
        lead(valid_from) over (partition by {{ keys }} order by valid_from) is null as is_current
        {%- for a in attribute_columns %},
        case
            when in_register then {{ a }}
            else lag({{ a }}) over (partition by {{ keys }} order by valid_from)
        end as {{ a }}
        {%- endfor %}
    from versions

)

select * from final
{% endmacro %}
