with

target_groups as (

    select * from {{ ref('target_groups') }}

),

final as (

    select
        malgrupp,
        label as malgrupp_label,
        description as malgrupp_description
    from target_groups

)

select * from final
