-- Agreement x party organisation with role, the name as written, and validity.

with

history as (

    select * from {{ ref('int_agreement_register__agreement_parties_history') }}
    where in_register

),

aliases as (

    select * from {{ ref('int_agreement_register__organisation_aliases') }}

),

final as (

    select
        history.agreement_party_key,
        history.overenskommelse_id,
        aliases.organisation_key,
        aliases.organisation_alias_key,
        history.organisation_name as organisation_name_as_written,
        history.organisationstyp,
        history.roll,
        history.valid_from,
        history.valid_to,
        history.valid_to is null as is_current
    from history
    inner join aliases
        on aliases.alias_name = history.organisation_name
        and aliases.organisationstyp = history.organisationstyp

)

select * from final
