-- Transitions within 90 days (person-level, schema restricted). One row per event:
--   etablering: the person was in the establishment programme in month m (etablering true)
--               and is not in it, or not registered at all, in month m + 1 (which must have
--               been delivered); event date = the first day of m + 1.
--   jobbspar:   a participation in a local job track ended in month m (slutdatum in m, as in
--               the latest job-track snapshot); event date = slutdatum.
-- The person must have a job-seeker row in the event month: municipality and target groups
-- come from it (its effective target groups: when the registration ended in the event month,
-- those of the month before, as in mart_jobseekers_monthly; see fct_jobseeker_month).
-- Outcome within 90 days, in the window window_start .. event date + 90 days (both included):
--   a registration that ended with a reason whose utfall is arbete or studier, or
--   a category in group arbete_med_stod at the end of a month that ends on or after
--   window_start and starts on or before the window's last day.
-- window_start is the event date for a job track; for the establishment programme it is the
-- first day of the event month m: the day the person left lies somewhere in m, and a
-- registration that ended in m with work or studies IS the leaving to work or studies (with the
-- window starting on the first day of m + 1 those would never count).
-- Incremental: a job-seeker month or job-track snapshot loaded since the last build rebuilds
-- the event months from four months before it to that month (their 90-day windows reach it).

{%- set event_months_query = registry_transition_months_query(
    ref('fct_jobseeker_month'), ref('stg_registry__months')
) %}

{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_month',
        on_schema_change='fail',
        post_hook="{{ registry_analyze() }}",
        indexes=[
            {'columns': ['_load_id']},
            {'columns': ['event_month']},
        ],
        pre_hook=[
            "{{ registry_hash_joins_only() }}",
            "{{ registry_delete_months(
                'event_month',
                registry_transition_months_query(ref('fct_jobseeker_month'), ref('stg_registry__months'))
            ) }}",
        ],
    )
}}

{%- set event_months = registry_months_to_build(event_months_query) -%}
{%- set read_months = registry_months_with_window(event_months) %}

with

registry_months as (

    select * from {{ ref('stg_registry__months') }}

),

delivered_jobseeker_months as (

    select manad from registry_months
    where extract_name = 'sokande'

),

latest_jobtrack_snapshot as (

    select max(manad) as manad from registry_months
    where extract_name = 'jobbspar'

),

establishment_months as (

    -- the (few) rows in the establishment programme, of the months read
    select person_id, manad
    from {{ ref('fct_jobseeker_month') }}
    where etablering
        and {{ registry_in_months('manad', read_months) }}

),

participants as (

    select * from {{ ref('stg_registry__jobtrack_participants') }}

),

establishment_leavers as (

    select
        this_month.person_id,
        this_month.manad as event_month,
        'etablering' as event_type,
        cast(null as text) as projektkod,
        {{ registry_add_months('this_month.manad', 1) }} as event_date,
        this_month.manad as window_start
    from establishment_months as this_month
    inner join delivered_jobseeker_months as next_delivered
        on next_delivered.manad = {{ registry_add_months('this_month.manad', 1) }}
    left join establishment_months as next_month
        on next_month.person_id = this_month.person_id
        and next_month.manad = {{ registry_add_months('this_month.manad', 1) }}
    where next_month.person_id is null
        and {{ registry_in_months('this_month.manad', event_months) }}

),

jobtrack_leavers as (

    select
        participants.person_id,
        cast(date_trunc('month', participants.slutdatum) as date) as event_month,
        'jobbspar' as event_type,
        participants.projektkod,
        participants.slutdatum as event_date,
        participants.slutdatum as window_start
    from participants
    -- a comparison with a single value, not a join: PostgreSQL then reads only the latest
    -- snapshot through the month index of the raw table, not every snapshot ever delivered
    where participants.manad = (select latest_jobtrack_snapshot.manad from latest_jobtrack_snapshot)
        and participants.slutdatum is not null
        and {{ registry_in_months("cast(date_trunc('month', participants.slutdatum) as date)", event_months) }}

),

events as (

    select * from establishment_leavers
    union all
    select * from jobtrack_leavers

),

events_with_person as (

    select
        events.*,
        jobseeker_months.kommunkod,
        jobseeker_months.lanskod,
        jobseeker_months.effective_unga as unga,
        jobseeker_months.effective_nyanlanda as nyanlanda,
        jobseeker_months.effective_funktionsnedsattning as funktionsnedsattning,
        jobseeker_months.effective_ekonomiskt_bistand as ekonomiskt_bistand,
        jobseeker_months.effective_utrikes_fodda_kvinnor as utrikes_fodda_kvinnor,
        jobseeker_months.effective_langtidsarbetslosa as langtidsarbetslosa
    from events
    inner join {{ ref('fct_jobseeker_month') }} as jobseeker_months
        on jobseeker_months.person_id = events.person_id
        and jobseeker_months.manad = events.event_month
    where {{ registry_in_months('jobseeker_months.manad', event_months) }}

),

outcome_rows as (

    select
        person_id,
        manad,
        case
            when ended and utfall in ('arbete', 'studier') then avaktualiseringsdatum
        end as ended_to_work_or_studies_on,
        case when ended and utfall in ('arbete', 'studier') then utfall end as ended_utfall,
        coalesce(grupp = 'arbete_med_stod', false) as in_supported_work
    from {{ ref('fct_jobseeker_month') }}
    where ((ended and utfall in ('arbete', 'studier')) or grupp = 'arbete_med_stod')
        and {{ registry_in_months('manad', read_months) }}

),

outcome_matches as (

    select
        events.person_id,
        events.event_type,
        events.event_date,
        events.projektkod,
        case
            when outcome_rows.ended_to_work_or_studies_on
                between events.window_start and events.event_date + 90
                then outcome_rows.ended_to_work_or_studies_on
        end as ended_on,
        outcome_rows.ended_utfall,
        case
            when outcome_rows.in_supported_work
                and {{ registry_month_end('outcome_rows.manad') }} >= events.window_start
                and outcome_rows.manad <= events.event_date + 90
                then outcome_rows.manad
        end as supported_work_month
    from events_with_person as events
    inner join outcome_rows
        on outcome_rows.person_id = events.person_id
        and outcome_rows.manad between events.event_month
            and {{ registry_add_months('events.event_month', registry_transition_lookback_months()) }}

),

outcomes as (

    select
        person_id,
        event_type,
        event_date,
        projektkod,
        min(ended_on) as registration_ended_on,
        (array_agg(ended_utfall order by ended_on) filter (where ended_on is not null))[1] as registration_ended_utfall,
        min(supported_work_month) as supported_work_month
    from outcome_matches
    group by person_id, event_type, event_date, projektkod

),

watermark as (

    select greatest(
        (select coalesce(max(_load_id), 0) from {{ ref('fct_jobseeker_month') }}),
        (
            select coalesce(max(load_id), 0)
            from registry_months
            where extract_name = 'jobbspar'
        )
    ) as _load_id

),

final as (

    select
        events.person_id,
        events.event_type,
        events.event_month,
        events.event_date,
        events.window_start,
        events.event_date + 90 as window_end,
        events.projektkod,
        events.kommunkod,
        events.lanskod,
        events.unga,
        events.nyanlanda,
        events.funktionsnedsattning,
        events.ekonomiskt_bistand,
        events.utrikes_fodda_kvinnor,
        events.langtidsarbetslosa,
        outcomes.registration_ended_on,
        outcomes.registration_ended_utfall,
        outcomes.supported_work_month,
        outcomes.registration_ended_on is not null
            or outcomes.supported_work_month is not null as has_outcome,
        cast(date_trunc('month', events.event_date + 90) as date)
            <= (select max(manad) from delivered_jobseeker_months) as is_window_complete,
        watermark._load_id
    from events_with_person as events
    left join outcomes
        on outcomes.person_id = events.person_id
        and outcomes.event_type = events.event_type
        and outcomes.event_date = events.event_date
        and outcomes.projektkod is not distinct from events.projektkod
    cross join watermark

)

select * from final
