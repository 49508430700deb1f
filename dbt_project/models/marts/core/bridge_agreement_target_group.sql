-- Agreement x target group with validity.

with

history as (

    select * from {{ ref('int_agreement_register__agreement_target_groups_history') }}
    where in_register

),

final as (

    select
        agreement_target_group_key,
        overenskommelse_id,
        malgrupp,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from history

)

select * from final
