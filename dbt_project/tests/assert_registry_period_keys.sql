-- Keys of restricted.fct_jobseeker_period, on its latest half-year only (millions of rows; the
-- (period, ...) index makes this a range read): one row per person, municipality and target group,
-- every key present, and one set of attributes per person (the last month's). Returns the problems.
{{ config(tags=['registry']) }}

with

latest as (

    select * from {{ ref('fct_jobseeker_period') }}
    where period = (select max(period) from {{ ref('fct_jobseeker_period') }})

),

problems as (

    select 'person, municipality and target group twice' as problem, cast(person_id as text) as person_id
    from latest
    group by person_id, kommunkod, malgrupp
    having count(*) > 1

    union all

    select 'a key missing', cast(person_id as text)
    from latest
    where person_id is null or kommunkod is null or malgrupp is null or _load_id is null

    union all

    select 'more than one set of attributes for a person', cast(person_id as text)
    from latest
    group by person_id
    having count(distinct concat_ws('|', kon, aldersgrupp, fodelseregion, n_municipalities)) > 1

)

select * from problems
