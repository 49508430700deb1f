-- Under basis 'tecknade' every snapshot date and level counts at least the agreements and the
-- municipalities of basis 'i_kraft': the register contract rejects a tecknad_datum after the
-- snapshot date, so an agreement in force on the date is also signed by then. A row here means
-- the two bases were swapped or one rule changed without the other.

with

summary as (

    select * from {{ ref('mart_agreement_summary') }}

),

in_force as (

    select snapshot_date, niva, n_agreements, n_municipalities_covered
    from summary
    where basis = 'i_kraft'

),

signed as (

    select snapshot_date, niva, n_agreements, n_municipalities_covered
    from summary
    where basis = 'tecknade'

)

select
    in_force.snapshot_date,
    in_force.niva,
    in_force.n_agreements as n_in_force,
    signed.n_agreements as n_signed
from in_force
left join signed
    on signed.snapshot_date = in_force.snapshot_date
    and signed.niva = in_force.niva
where signed.niva is null
    or signed.n_agreements < in_force.n_agreements
    or signed.n_municipalities_covered < in_force.n_municipalities_covered
