-- An agreement present in an earlier snapshot but missing from the latest one must still be
-- in dim_agreement, with a current version flagged in_register = false.

with

latest as (

    select max(snapshot_date) as snapshot_date
    from {{ ref('stg_agreement_register__snapshots') }}

),

ever_seen as (

    select distinct overenskommelse_id
    from {{ ref('stg_agreement_register__agreements') }}

),

in_latest as (

    select overenskommelse_id
    from {{ ref('stg_agreement_register__agreements') }}
    where snapshot_date = (select snapshot_date from latest)

),

removed as (

    select overenskommelse_id from ever_seen
    except
    select overenskommelse_id from in_latest

)

select removed.overenskommelse_id
from removed
left join {{ ref('dim_agreement') }} as dim_agreement
    on dim_agreement.overenskommelse_id = removed.overenskommelse_id
    and dim_agreement.is_current
    and not dim_agreement.in_register
where dim_agreement.agreement_key is null
