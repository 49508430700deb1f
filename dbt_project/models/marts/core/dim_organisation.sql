-- One row per canonical organisation that is or has been a party of an agreement.
-- Name variants (offices, old names, misspellings) are in dim_organisation_alias.

with

aliases as (

    select * from {{ ref('int_agreement_register__organisation_aliases') }}

),

final as (

    select
        organisation_key,
        canonical_name as organisation_name,
        organisationstyp,
        max(kommunkod) as kommunkod,
        count(*) as n_aliases
    from aliases
    group by
        organisation_key,
        canonical_name,
        organisationstyp

)

select * from final
