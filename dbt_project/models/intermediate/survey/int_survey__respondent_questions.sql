-- One row per respondent who answered the wave (in svar, status komplett or delvis) x question
-- x grid row of the codebook: was the question asked (no condition, or its condition holds
-- on the respondent's own answers) and was it answered. An answer to a question whose
-- condition is false is flagged (is_flagged_not_asked) and left out of results.
--
-- A condition is evaluated on the answer cells of the referenced question:
--   enval / tal / matris row (Q4_r1): the code (tal: the number)
--   flerval by question (Q3=2): every chosen option code
--   flerval by option column (Q3_2=1): 1 when that option was chosen
-- `in` holds when some cell has one of the codes; `not_in` holds when the referenced question
-- was answered and no cell has one of the codes (an unanswered condition question means the
-- question was not shown). Answers to the condition question are taken as given, even if
-- that question was itself flagged. A condition that could not be parsed counts as asked
-- (and fails the test on int_survey__questions).
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

questions as (

    select * from {{ ref('int_survey__questions') }}

),

responses as (

    select * from {{ ref('stg_survey__responses') }}
    where status in ('komplett', 'delvis')

),

answers as (

    select * from {{ ref('stg_survey__answers') }}

),

condition_cells as (

    select
        enkat_id,
        omgang,
        respondent_id,
        fraga_id,
        grid_row_id as cell,
        coalesce(cast(answer_code as text), cast(answer_number as text)) as cell_value
    from answers
    where typ in ('enval', 'matris', 'tal')

    union all

    select
        enkat_id,
        omgang,
        respondent_id,
        fraga_id,
        null as cell,
        cast(answer_code as text) as cell_value
    from answers
    where typ = 'flerval'

    union all

    select
        enkat_id,
        omgang,
        respondent_id,
        fraga_id,
        cast(answer_code as text) as cell,
        '1' as cell_value
    from answers
    where typ = 'flerval'

),

respondent_items as (

    select
        responses.enkat_id,
        responses.omgang,
        responses.respondent_id,
        questions.question_key,
        questions.fraga_id,
        questions.grid_row_id,
        questions.typ,
        questions.villkor,
        questions.condition_fraga_id,
        questions.condition_cell,
        questions.condition_operator,
        questions.condition_codes
    from responses
    inner join questions
        on questions.enkat_id = responses.enkat_id
        and questions.omgang = responses.omgang

),

condition_matches as (

    select
        respondent_items.enkat_id,
        respondent_items.omgang,
        respondent_items.respondent_id,
        respondent_items.question_key,
        count(condition_cells.cell_value) as n_condition_cells,
        coalesce(
            bool_or(condition_cells.cell_value = any(string_to_array(respondent_items.condition_codes, ','))),
            false
        ) as has_condition_code
    from respondent_items
    left join condition_cells
        on condition_cells.enkat_id = respondent_items.enkat_id
        and condition_cells.omgang = respondent_items.omgang
        and condition_cells.respondent_id = respondent_items.respondent_id
        and condition_cells.fraga_id = respondent_items.condition_fraga_id
        and condition_cells.cell is not distinct from respondent_items.condition_cell
    where respondent_items.condition_operator is not null
    group by
        respondent_items.enkat_id,
        respondent_items.omgang,
        respondent_items.respondent_id,
        respondent_items.question_key

),

answered_items as (

    select distinct
        enkat_id,
        omgang,
        respondent_id,
        fraga_id,
        grid_row_id
    from answers

),

evaluated as (

    select
        respondent_items.enkat_id,
        respondent_items.omgang,
        respondent_items.respondent_id,
        respondent_items.question_key,
        respondent_items.fraga_id,
        respondent_items.grid_row_id,
        respondent_items.typ,
        respondent_items.villkor is not null as has_condition,
        case
            when respondent_items.condition_operator = 'in'
                then condition_matches.has_condition_code
            when respondent_items.condition_operator = 'not_in'
                then condition_matches.n_condition_cells > 0 and not condition_matches.has_condition_code
        end as is_condition_met,
        answered_items.respondent_id is not null as has_answer
    from respondent_items
    left join condition_matches
        on condition_matches.enkat_id = respondent_items.enkat_id
        and condition_matches.omgang = respondent_items.omgang
        and condition_matches.respondent_id = respondent_items.respondent_id
        and condition_matches.question_key = respondent_items.question_key
    left join answered_items
        on answered_items.enkat_id = respondent_items.enkat_id
        and answered_items.omgang = respondent_items.omgang
        and answered_items.respondent_id = respondent_items.respondent_id
        and answered_items.fraga_id = respondent_items.fraga_id
        and answered_items.grid_row_id is not distinct from respondent_items.grid_row_id

),

final as (

    select
        {{ surrogate_key(['enkat_id', 'omgang', 'respondent_id']) }} as respondent_key,
        question_key,
        enkat_id,
        omgang,
        respondent_id,
        fraga_id,
        grid_row_id,
        typ,
        has_condition,
        is_condition_met,
        coalesce(is_condition_met, true) as is_asked,
        has_answer,
        has_answer and not coalesce(is_condition_met, true) as is_flagged_not_asked
    from evaluated

)

select * from final
