-- Response rates. One table, two levels (column `level`):
--   wave:     one row per survey wave (fraga_id null): n_sent, n_bad_contact, n_net = sent - bad
--             contacts, n_answered = respondents in svar with status komplett or delvis,
--             response_rate = n_answered / n_net.
--   question: one row per survey wave x question: n_asked = answering respondents to whom the
--             question applied (a grid question: at least one row), n_answered = of those,
--             answered it (at least one grid row / option; flagged answers do not count),
--             question_response_rate = n_answered / n_asked.
-- Columns of the other level are null.

with

waves as (

    select * from {{ ref('dim_survey') }}

),

respondents as (

    select * from {{ ref('dim_respondent') }}

),

respondent_questions as (

    select * from {{ ref('int_survey__respondent_questions') }}

),

question_texts as (

    select
        enkat_id,
        omgang,
        fraga_id,
        min(typ) as typ,
        case when count(*) = 1 then min(fragetext) end as fragetext,
        min(source_row) as question_order
    from {{ ref('int_survey__questions') }}
    group by enkat_id, omgang, fraga_id

),

wave_counts as (

    select
        enkat_id,
        omgang,
        count(*) as n_sent,
        count(*) filter (where is_bad_contact) as n_bad_contact,
        count(*) filter (where has_answered) as n_answered
    from respondents
    group by enkat_id, omgang

),

wave_rows as (

    select
        waves.enkat_id,
        waves.omgang,
        'wave' as level,
        cast(null as text) as fraga_id,
        cast(null as text) as typ,
        cast(null as text) as fragetext,
        cast(null as integer) as question_order,
        coalesce(wave_counts.n_sent, 0) as n_sent,
        coalesce(wave_counts.n_bad_contact, 0) as n_bad_contact,
        coalesce(wave_counts.n_sent, 0) - coalesce(wave_counts.n_bad_contact, 0) as n_net,
        coalesce(wave_counts.n_answered, 0) as n_answered,
        cast(coalesce(wave_counts.n_answered, 0) as numeric)
            / nullif(coalesce(wave_counts.n_sent, 0) - coalesce(wave_counts.n_bad_contact, 0), 0) as response_rate,
        cast(null as bigint) as n_asked,
        cast(null as numeric) as question_response_rate
    from waves
    left join wave_counts
        on wave_counts.enkat_id = waves.enkat_id
        and wave_counts.omgang = waves.omgang

),

respondent_question_status as (

    select
        enkat_id,
        omgang,
        fraga_id,
        respondent_id,
        bool_or(is_asked) as is_asked,
        bool_or(is_asked and has_answer) as has_answer
    from respondent_questions
    group by enkat_id, omgang, fraga_id, respondent_id

),

question_counts as (

    select
        enkat_id,
        omgang,
        fraga_id,
        count(*) filter (where is_asked) as n_asked,
        count(*) filter (where has_answer) as n_answered
    from respondent_question_status
    group by enkat_id, omgang, fraga_id

),

question_rows as (

    select
        question_texts.enkat_id,
        question_texts.omgang,
        'question' as level,
        question_texts.fraga_id,
        question_texts.typ,
        question_texts.fragetext,
        question_texts.question_order,
        cast(null as bigint) as n_sent,
        cast(null as bigint) as n_bad_contact,
        cast(null as bigint) as n_net,
        coalesce(question_counts.n_answered, 0) as n_answered,
        cast(null as numeric) as response_rate,
        coalesce(question_counts.n_asked, 0) as n_asked,
        cast(coalesce(question_counts.n_answered, 0) as numeric)
            / nullif(coalesce(question_counts.n_asked, 0), 0) as question_response_rate
    from question_texts
    left join question_counts
        on question_counts.enkat_id = question_texts.enkat_id
        and question_counts.omgang = question_texts.omgang
        and question_counts.fraga_id = question_texts.fraga_id

),

unioned as (

    select * from wave_rows
    union all
    select * from question_rows

),

final as (

    select
        {{ surrogate_key(['enkat_id', 'omgang', 'level', 'fraga_id']) }} as survey_response_key,
        {{ surrogate_key(['enkat_id', 'omgang']) }} as survey_wave_key,
        *
    from unioned

)

select * from final
