-- Coded free text: per survey wave x fritext question x theme, a theme-level row (kod null)
-- and one row per code. n_respondents counts a respondent at most once per theme (and per
-- code); the denominator n_answered is the respondents who answered the question and were
-- asked it. Coding of a respondent outside that set (no or flagged answer) is not counted.

with

coding as (

    select * from {{ ref('stg_survey__coding') }}

),

answered as (

    select distinct
        enkat_id,
        omgang,
        respondent_id,
        fraga_id
    from {{ ref('fct_survey_answer') }}
    where is_text_answer
        and is_asked
        and not is_flagged_not_asked

),

question_totals as (

    select
        enkat_id,
        omgang,
        fraga_id,
        count(*) as n_answered
    from answered
    group by enkat_id, omgang, fraga_id

),

counted_coding as (

    select coding.*
    from coding
    inner join answered
        on answered.enkat_id = coding.enkat_id
        and answered.omgang = coding.omgang
        and answered.respondent_id = coding.respondent_id
        and answered.fraga_id = coding.fraga_id

),

theme_rows as (

    select
        enkat_id,
        omgang,
        fraga_id,
        tema,
        cast(null as text) as kod,
        'tema' as level,
        count(distinct respondent_id) as n_respondents
    from counted_coding
    group by enkat_id, omgang, fraga_id, tema

),

code_rows as (

    select
        enkat_id,
        omgang,
        fraga_id,
        tema,
        kod,
        'kod' as level,
        count(distinct respondent_id) as n_respondents
    from counted_coding
    where kod is not null
    group by enkat_id, omgang, fraga_id, tema, kod

),

unioned as (

    select * from theme_rows
    union all
    select * from code_rows

),

final as (

    select
        {{ surrogate_key([
            'unioned.enkat_id', 'unioned.omgang', 'unioned.fraga_id', 'unioned.tema', 'unioned.kod'
        ]) }} as survey_theme_key,
        {{ surrogate_key(['unioned.enkat_id', 'unioned.omgang']) }} as survey_wave_key,
        unioned.enkat_id,
        unioned.omgang,
        unioned.fraga_id,
        unioned.tema,
        unioned.kod,
        unioned.level,
        unioned.n_respondents,
        question_totals.n_answered,
        cast(unioned.n_respondents as numeric) / nullif(question_totals.n_answered, 0) as share_of_answered
    from unioned
    inner join question_totals
        on question_totals.enkat_id = unioned.enkat_id
        and question_totals.omgang = unioned.omgang
        and question_totals.fraga_id = unioned.fraga_id

)

select * from final
