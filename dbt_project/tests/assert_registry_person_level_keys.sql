-- Keys of the person-level registry models, checked on their latest month only (they hold tens
-- of millions of rows; the month index makes this a lookup): one row per person and month, per
-- participation and snapshot, per event. Returns the duplicated or missing keys.
{{ config(tags=['registry']) }}

with

latest_jobseeker_month as (

    select * from {{ ref('fct_jobseeker_month') }}
    where manad = (select max(manad) from {{ ref('fct_jobseeker_month') }})

),

latest_participations as (

    select * from {{ ref('fct_jobtrack_participation') }}
    where manad = (select max(manad) from {{ ref('fct_jobtrack_participation') }})

),

latest_events as (

    select * from {{ ref('fct_transition_90d') }}
    where event_month = (select max(event_month) from {{ ref('fct_transition_90d') }})

),

problems as (

    select 'fct_jobseeker_month: person twice in a month' as problem, cast(person_id as text) as person_id
    from latest_jobseeker_month
    group by person_id
    having count(*) > 1

    union all

    select 'fct_jobseeker_month: key or kommunkod missing', cast(person_id as text)
    from latest_jobseeker_month
    where person_id is null or kommunkod is null or _load_id is null

    union all

    select 'fct_jobtrack_participation: participation twice in a snapshot', cast(person_id as text)
    from latest_participations
    group by projektkod, person_id
    having count(*) > 1

    union all

    select 'fct_transition_90d: event twice', cast(person_id as text)
    from latest_events
    group by person_id, event_type, event_date, projektkod
    having count(*) > 1

)

select * from problems
