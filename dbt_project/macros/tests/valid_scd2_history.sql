{#
    Generic test for SCD2 tables: versions of one key do not overlap, i.e. valid_to of a
    version is after its valid_from and at most one version per key is open (valid_to null).
#}
{% test valid_scd2_history(model, key_columns, valid_from='valid_from', valid_to='valid_to') %}

with

bad_intervals as (

    select {{ key_columns | join(', ') }}, 'valid_to not after valid_from' as problem
    from {{ model }}
    where {{ valid_to }} is not null and {{ valid_to }} <= {{ valid_from }}

),

multiple_open_versions as (

    select {{ key_columns | join(', ') }}, 'more than one open version' as problem
    from {{ model }}
    where {{ valid_to }} is null
    group by {{ key_columns | join(', ') }}
    having count(*) > 1

),

gaps as (

    select {{ key_columns | join(', ') }}, 'versions do not chain' as problem
    from (
        select
            *,
            lead({{ valid_from }}) over (
                partition by {{ key_columns | join(', ') }} order by {{ valid_from }}
            ) as next_valid_from
        from {{ model }}
    ) as versions
    where next_valid_from is distinct from {{ valid_to }}

)

select * from bad_intervals
union all
select * from multiple_open_versions
union all
select * from gaps

{% endtest %}
