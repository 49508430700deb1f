-- Job seekers per month with the definitions of the contract applied: category group, age,
-- registered unemployed, ended (to work, to studies) and the derived target groups. A view:
-- restricted.fct_jobseeker_month stores it month by month (filters on manad reach the month
-- partitions of raw.registry_jobseekers).

{{ config(materialized='view') }}

with

jobseekers as (

    select * from {{ ref('stg_registry__jobseekers') }}

),

categories as (

    select kod, grupp from {{ ref('stg_registry__sokandekategorier') }}

),

reasons as (

    select kod, utfall from {{ ref('stg_registry__avaktualiseringsorsaker') }}

),

joined as (

    select
        jobseekers.*,
        categories.grupp,
        reasons.utfall,
        cast(extract(year from jobseekers.manad) as integer) - jobseekers.fodelsear as alder,
        {{ registry_month_end('jobseekers.manad') }} as month_end
    from jobseekers
    left join categories
        on categories.kod = jobseekers.sokandekategori
    left join reasons
        on reasons.kod = jobseekers.avaktualiseringsorsak

),

flagged as (

    select
        *,
        coalesce(grupp in ('oppet_arbetslos', 'program_med_aktivitetsstod'), false) as is_registered_unemployed,
        coalesce(grupp = 'program_med_aktivitetsstod', false) as is_in_programme,
        coalesce(avaktualiseringsdatum between manad and month_end, false) as ended
    from joined

),

final as (

    select
        person_id,
        manad,
        kommunkod,
        left(kommunkod, 2) as lanskod,
        kon,
        fodelsear,
        alder,
        fodelseregion,
        sokandekategori,
        grupp,
        is_registered_unemployed,
        is_in_programme,
        inskrivningsdatum,
        avaktualiseringsdatum,
        avaktualiseringsorsak,
        utfall,
        ended,
        ended and coalesce(utfall = 'arbete', false) as ended_to_work,
        ended and coalesce(utfall = 'studier', false) as ended_to_studies,
        etablering,
        -- target groups (målgrupper) of the agreement register
        alder between 16 and 24 as unga,
        etablering as nyanlanda,
        funktionsnedsattning,
        ekonomiskt_bistand,
        kon = 'K' and fodelseregion <> 'SE' as utrikes_fodda_kvinnor,
        is_registered_unemployed
            and coalesce(inskrivningsdatum + interval '12 months' < month_end, false) as langtidsarbetslosa,
        projektkod,
        load_id
    from flagged

)

select * from final
