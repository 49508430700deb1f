-- One row per person and month registered at Arbetsförmedlingen (person-level, schema
-- restricted: not readable by analysts). Partitioned by month (materialization
-- registry_month_partitioned): a build fills only the partitions of the months whose load in
-- force (meta.registry_months, extract 'sokande') is newer than the newest _load_id already
-- here; a month delivered again has a newer load and its partition is replaced, in one
-- transaction. Rules in int_registry__jobseeker_months.
-- effective_<target group>: the target groups the marts count the person's row in. In a month
-- in which the registration ended the extract has no category (so never langtidsarbetslosa):
-- there they are the person's target groups of the month before when the person has a row in
-- that month, else the month's own; in every other month the month's own. The month's own flags
-- (unga, ..., langtidsarbetslosa) stay as delivered. A month therefore reads the month before
-- too: it is rebuilt when that month is delivered again (registry_partition_months), and its
-- _load_id is the newer of the two months' loads, so the models after it rebuild it as well.
-- depends_on: {{ ref('stg_registry__months') }}

{{
    config(
        materialized='registry_month_partitioned',
        partition_column='manad',
        pre_hook="{{ registry_hash_joins_only() }}",
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['manad', '_load_id']},
        ],
    )
}}

with

jobseeker_months as (

    select * from {{ ref('int_registry__jobseeker_months') }}

),

-- the month before the month built (filled in per partition by the materialization)
previous_months as (

    select
        person_id,
        {{ registry_add_months('manad', 1) }} as next_manad,
        unga,
        nyanlanda,
        funktionsnedsattning,
        ekonomiskt_bistand,
        utrikes_fodda_kvinnor,
        langtidsarbetslosa
    from {{ ref('int_registry__jobseeker_months') }}
    where {{ registry_partition_month_filter('manad', 1) }}

),

previous_month_loads as (

    select
        {{ registry_add_months('manad', 1) }} as next_manad,
        load_id
    from {{ ref('stg_registry__months') }}
    where extract_name = 'sokande'

),

with_previous as (

    select
        jobseeker_months.*,
        previous_months.person_id is not null as ended_with_previous_month,
        previous_months.unga as previous_unga,
        previous_months.nyanlanda as previous_nyanlanda,
        previous_months.funktionsnedsattning as previous_funktionsnedsattning,
        previous_months.ekonomiskt_bistand as previous_ekonomiskt_bistand,
        previous_months.utrikes_fodda_kvinnor as previous_utrikes_fodda_kvinnor,
        previous_months.langtidsarbetslosa as previous_langtidsarbetslosa,
        greatest(jobseeker_months.load_id, previous_month_loads.load_id) as built_from_load_id
    from jobseeker_months
    left join previous_months
        on jobseeker_months.ended
        and previous_months.person_id = jobseeker_months.person_id
        and previous_months.next_manad = jobseeker_months.manad
    left join previous_month_loads
        on previous_month_loads.next_manad = jobseeker_months.manad

),

final as (

    select
        person_id,
        manad,
        kommunkod,
        lanskod,
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
        ended_to_work,
        ended_to_studies,
        etablering,
        unga,
        nyanlanda,
        funktionsnedsattning,
        ekonomiskt_bistand,
        utrikes_fodda_kvinnor,
        langtidsarbetslosa,
        case
            when ended_with_previous_month then previous_unga else unga
        end as effective_unga,
        case
            when ended_with_previous_month then previous_nyanlanda else nyanlanda
        end as effective_nyanlanda,
        case
            when ended_with_previous_month then previous_funktionsnedsattning else funktionsnedsattning
        end as effective_funktionsnedsattning,
        case
            when ended_with_previous_month then previous_ekonomiskt_bistand else ekonomiskt_bistand
        end as effective_ekonomiskt_bistand,
        case
            when ended_with_previous_month then previous_utrikes_fodda_kvinnor else utrikes_fodda_kvinnor
        end as effective_utrikes_fodda_kvinnor,
        case
            when ended_with_previous_month then previous_langtidsarbetslosa else langtidsarbetslosa
        end as effective_langtidsarbetslosa,
        projektkod,
        built_from_load_id as _load_id
    from with_previous

)

select * from final
