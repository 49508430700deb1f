-- Every organisation name as written in the register (x its type), resolved to one
-- canonical organisation. Rules, in order:
--   1. the type decides for single national agencies: every arbetsformedlingen party is
--      'Arbetsförmedlingen' (offices such as 'Af Södertälje', 'Länsarbetsnämnden' and
--      misspellings are aliases), likewise Migrationsverket and Försäkringskassan;
--   2. known variants in the seed organisation_aliases (same type, case-insensitive);
--   3. a kommun party whose name starts with a municipality's short name, optionally in the
--      genitive ('Stockholms stad', 'Södertälje kommun, arbetsmarknadsförvaltningen') is that
--      municipality (canonical name = short name, with kommunkod); the longest match wins;
--   4. otherwise the name itself, trimmed with whitespace collapsed.

with

parties as (

    select distinct
        organisation_name,
        organisationstyp
    from {{ ref('stg_agreement_register__agreement_parties') }}

),

aliases as (

    select
        lower({{ normalise_whitespace('alias') }}) as alias_match,
        {{ normalise_whitespace('canonical_name') }} as canonical_name,
        lower(btrim(organisationstyp)) as organisationstyp
    from {{ ref('organisation_aliases') }}

),

municipalities as (

    select
        municipality_code,
        municipality_name_short,
        lower(municipality_name_short) as short_name_match
    from {{ ref('municipalities') }}

),

normalised as (

    select
        organisation_name,
        organisationstyp,
        {{ normalise_whitespace('organisation_name') }} as normalised_name
    from parties

),

by_type_and_alias as (

    select
        normalised.*,
        case normalised.organisationstyp
            when 'arbetsformedlingen' then 'Arbetsförmedlingen'
            when 'migrationsverket' then 'Migrationsverket'
            when 'forsakringskassan' then 'Försäkringskassan'
        end as type_canonical_name,
        aliases.canonical_name as alias_canonical_name,
        lower(coalesce(aliases.canonical_name, normalised.normalised_name)) as name_to_match
    from normalised
    left join aliases
        on aliases.alias_match = lower(normalised.normalised_name)
        and aliases.organisationstyp = normalised.organisationstyp

),

municipality_candidates as (

    select
        by_type_and_alias.organisation_name,
        by_type_and_alias.organisationstyp,
        municipalities.municipality_code,
        municipalities.municipality_name_short,
        row_number() over (
            partition by by_type_and_alias.organisation_name, by_type_and_alias.organisationstyp
            order by length(municipalities.short_name_match) desc
        ) as match_rank
    from by_type_and_alias
    inner join municipalities
        on by_type_and_alias.organisationstyp = 'kommun'
        and left(by_type_and_alias.name_to_match, length(municipalities.short_name_match))
            = municipalities.short_name_match
        and (
            -- 'Malmö stad', 'Södertälje kommun, ...', 'Botkyrka'
            substr(by_type_and_alias.name_to_match, length(municipalities.short_name_match) + 1, 1)
                in ('', ' ', ',')
            -- genitive: 'Stockholms stad', 'Sundbybergs stad'
            or (
                substr(by_type_and_alias.name_to_match, length(municipalities.short_name_match) + 1, 1) = 's'
                and substr(by_type_and_alias.name_to_match, length(municipalities.short_name_match) + 2, 1)
                    in ('', ' ', ',')
            )
        )

),

resolved as (

    select
        by_type_and_alias.organisation_name,
        by_type_and_alias.organisationstyp,
        by_type_and_alias.normalised_name,
        municipality_candidates.municipality_code as kommunkod,
        case
            when by_type_and_alias.type_canonical_name is not null then by_type_and_alias.type_canonical_name
            when municipality_candidates.municipality_code is not null
                then municipality_candidates.municipality_name_short
            when by_type_and_alias.alias_canonical_name is not null then by_type_and_alias.alias_canonical_name
            else by_type_and_alias.normalised_name
        end as canonical_name,
        case
            when by_type_and_alias.type_canonical_name is not null then 'organisation_type'
            when municipality_candidates.municipality_code is not null then 'municipality_name'
            when by_type_and_alias.alias_canonical_name is not null then 'alias_seed'
            else 'normalised_name'
        end as match_method
    from by_type_and_alias
    left join municipality_candidates
        on municipality_candidates.organisation_name = by_type_and_alias.organisation_name
        and municipality_candidates.organisationstyp = by_type_and_alias.organisationstyp
        and municipality_candidates.match_rank = 1

),

final as (

    select
        {{ surrogate_key(['organisation_name', 'organisationstyp']) }} as organisation_alias_key,
        organisation_name as alias_name,
        normalised_name as normalised_alias_name,
        organisationstyp,
        {{ surrogate_key(['canonical_name', 'organisationstyp']) }} as organisation_key,
        canonical_name,
        kommunkod,
        match_method,
        normalised_name <> canonical_name as is_alias
    from resolved

)

select * from final
