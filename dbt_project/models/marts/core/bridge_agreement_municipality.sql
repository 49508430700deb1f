-- Agreement x covered municipality with coverage type and validity (from the snapshots:
-- valid_from = first snapshot with the row, valid_to = first snapshot where it changed or
-- was missing, null when current).

with

history as (

    select * from {{ ref('int_agreement_register__agreement_municipalities_history') }}
    where in_register

),

final as (

    select
        agreement_municipality_key,
        overenskommelse_id,
        kommunkod,
        tackning,
        valid_from,
        valid_to,
        valid_to is null as is_current
    from history

)

select * from final
