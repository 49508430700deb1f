-- One row per organisation name as written in the register (x type), pointing to its
-- canonical organisation.

with

aliases as (

    select * from {{ ref('int_agreement_register__organisation_aliases') }}

),

final as (

    select
        organisation_alias_key,
        alias_name,
        normalised_alias_name,
        organisationstyp,
        organisation_key,
        canonical_name as organisation_name,
        match_method,
        is_alias
    from aliases

)

select * from final
