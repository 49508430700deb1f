-- Assessment answers of the current forms summarised per period x question x group:
-- group_type 'lanskod' (county), 'kommungrupp' (SKR municipality group) or 'alla' (all
-- forms). A form belongs to the counties and groups of the municipalities it is attributed
-- to (int_followup_forms__form_municipalities: the agreement's covered municipalities in
-- the period's register snapshot, else the codes on the form); a form spanning several
-- counties or groups counts once in each, so group rows do not add up to 'alla'.
-- mean_answer is over substantive answers (1-5) only, unrounded; 'Kan inte bedöma' is
-- counted in n_not_assessable and left out of the mean.

with

answers as (

    select * from {{ ref('fct_followup_assessment') }}
    where is_current

),

form_municipalities as (

    select * from {{ ref('int_followup_forms__form_municipalities') }}

),

municipalities as (

    select * from {{ ref('dim_municipality') }}

),

form_groups as (

    select distinct
        form_municipalities.form_id,
        'lanskod' as group_type,
        municipalities.lanskod as group_value,
        municipalities.county_name as group_name
    from form_municipalities
    inner join municipalities
        on municipalities.kommunkod = form_municipalities.kommunkod

    union all

    select distinct
        form_municipalities.form_id,
        'kommungrupp' as group_type,
        municipalities.kommungrupp_code as group_value,
        municipalities.kommungrupp_name as group_name
    from form_municipalities
    inner join municipalities
        on municipalities.kommunkod = form_municipalities.kommunkod

    union all

    select distinct
        form_id,
        'alla' as group_type,
        'alla' as group_value,
        'Alla' as group_name
    from answers

),

grouped as (

    select
        answers.period,
        answers.question_code,
        form_groups.group_type,
        form_groups.group_value,
        max(form_groups.group_name) as group_name,
        count(*) filter (where answers.answer_code is not null) as n_answers,
        count(answers.answer) as n_substantive,
        avg(cast(answers.answer as numeric)) as mean_answer,
        count(*) filter (where answers.answer = 1) as n_1,
        count(*) filter (where answers.answer = 2) as n_2,
        count(*) filter (where answers.answer = 3) as n_3,
        count(*) filter (where answers.answer = 4) as n_4,
        count(*) filter (where answers.answer = 5) as n_5,
        count(*) filter (where answers.answer_code = 'kan_inte_bedoma') as n_not_assessable
    from answers
    inner join form_groups
        on form_groups.form_id = answers.form_id
    group by answers.period, answers.question_code, form_groups.group_type, form_groups.group_value

),

final as (

    select
        period,
        question_code,
        group_type,
        group_value,
        group_name,
        cast(n_answers as integer) as n_answers,
        cast(n_substantive as integer) as n_substantive,
        mean_answer,
        cast(n_1 as integer) as n_1,
        cast(n_2 as integer) as n_2,
        cast(n_3 as integer) as n_3,
        cast(n_4 as integer) as n_4,
        cast(n_5 as integer) as n_5,
        cast(n_not_assessable as integer) as n_not_assessable
    from grouped

)

select * from final
