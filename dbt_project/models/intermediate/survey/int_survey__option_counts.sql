-- Answer distribution per survey wave x question x grid row x answer option x respondent
-- group (int_survey__respondent_groups: group_type 'total' = everyone; aktorstyp, lanskod,
-- kommungrupp, overenskommelse_niva).
-- Feeds mart_survey_results (total) and mart_survey_results_by_group (the others).
--   * Only questions with answer options (enval, matris, flerval). Every option of the scale
--     gets a row, also with n = 0 (flerval without a scale: the options chosen by someone).
--   * Only answers the respondent was asked (not is_flagged_not_asked).
--   * n = respondents who chose the option; n_answered = respondents who answered the
--     question (grid row) - for flerval: chose at least one option; n_substantive = those
--     whose answer is substantive (flerval: chose at least one substantive option).
--   * share_of_answered = n / n_answered; share_of_substantive = n / n_substantive for a
--     substantive option, null for a non-substantive one. Exact, unrounded.
--   * Groups of a wave: the values of its answering respondents (null = unknown).
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

questions as (

    select * from {{ ref('dim_question') }}
    where typ in ('enval', 'matris', 'flerval')

),

answer_options as (

    select * from {{ ref('dim_answer_option') }}

),

valid_answers as (

    select * from {{ ref('fct_survey_answer') }}
    where is_asked
        and not is_flagged_not_asked
        and answer_code is not null
        and typ in ('enval', 'matris', 'flerval')

),

respondent_groups as (

    select
        respondent_key,
        survey_wave_key,
        respondent_id,
        group_type,
        coalesce(group_value, '(okänd)') as group_join_value,
        group_value,
        group_label
    from {{ ref('int_survey__respondent_groups') }}

),

wave_groups as (

    select distinct survey_wave_key, group_type, group_join_value, group_value, group_label
    from respondent_groups

),

scale_options as (

    select
        questions.question_key,
        answer_options.kod as answer_code,
        answer_options.etikett as answer_label,
        answer_options.is_substantive,
        answer_options.ordning as answer_order
    from questions
    inner join answer_options
        on answer_options.enkat_id = questions.enkat_id
        and answer_options.omgang = questions.omgang
        and answer_options.skala_id = questions.skala_id

),

unscaled_options as (

    select distinct
        questions.question_key,
        valid_answers.answer_code,
        cast(null as text) as answer_label,
        true as is_substantive,
        valid_answers.answer_code as answer_order
    from questions
    inner join valid_answers
        on valid_answers.question_key = questions.question_key
    where questions.typ = 'flerval'
        and questions.skala_id is null

),

options as (

    select * from scale_options
    union all
    select * from unscaled_options

),

grouped_answers as (

    -- one row per answer x group of the respondent; the flags mark a respondent's first row
    -- per question (and first substantive row), so that sums count respondents once
    select
        valid_answers.question_key,
        respondent_groups.group_type,
        respondent_groups.group_join_value,
        valid_answers.answer_code,
        valid_answers.respondent_id,
        case
            when row_number() over (
                partition by valid_answers.question_key, respondent_groups.group_type,
                    respondent_groups.group_join_value, valid_answers.respondent_id
                order by valid_answers.answer_code
            ) = 1 then 1 else 0
        end as is_first_answer,
        case
            when valid_answers.is_substantive and row_number() over (
                partition by valid_answers.question_key, respondent_groups.group_type,
                    respondent_groups.group_join_value, valid_answers.respondent_id,
                    valid_answers.is_substantive
                order by valid_answers.answer_code
            ) = 1 then 1 else 0
        end as is_first_substantive_answer
    from valid_answers
    inner join respondent_groups
        on respondent_groups.respondent_key = valid_answers.respondent_key

),

frame as (

    select
        questions.question_key,
        questions.survey_wave_key,
        questions.enkat_id,
        questions.omgang,
        questions.wave_number,
        questions.fraga_id,
        questions.grid_row_id,
        questions.fragetext,
        questions.typ,
        questions.skala_id,
        questions.comparable_question_key,
        wave_groups.group_type,
        wave_groups.group_join_value,
        wave_groups.group_value,
        wave_groups.group_label,
        options.answer_code,
        options.answer_label,
        options.is_substantive,
        options.answer_order
    from questions
    inner join options
        on options.question_key = questions.question_key
    inner join wave_groups
        on wave_groups.survey_wave_key = questions.survey_wave_key

),

-- Counts without joining aggregates back (keeps plans linear): the frame rows (n = 0
-- placeholders carrying the descriptive columns) and the answer rows are stacked and grouped.
stacked as (

    select
        frame.*,
        cast(null as text) as respondent_id,
        0 as is_first_answer,
        0 as is_first_substantive_answer,
        true as is_frame
    from frame

    union all

    select
        grouped_answers.question_key,
        null, null, null, null, null, null, null, null, null, null,
        grouped_answers.group_type,
        grouped_answers.group_join_value,
        null, null,
        grouped_answers.answer_code,
        null, null, null,
        grouped_answers.respondent_id,
        grouped_answers.is_first_answer,
        grouped_answers.is_first_substantive_answer,
        false as is_frame
    from grouped_answers

),

option_counts as (

    select
        question_key,
        group_type,
        group_join_value,
        answer_code,
        bool_or(is_frame) as is_in_frame,
        max(survey_wave_key) as survey_wave_key,
        max(enkat_id) as enkat_id,
        max(omgang) as omgang,
        max(wave_number) as wave_number,
        max(fraga_id) as fraga_id,
        max(grid_row_id) as grid_row_id,
        max(fragetext) as fragetext,
        max(typ) as typ,
        max(skala_id) as skala_id,
        max(comparable_question_key) as comparable_question_key,
        max(group_value) as group_value,
        max(group_label) as group_label,
        max(answer_label) as answer_label,
        bool_or(is_substantive) as is_substantive,
        max(answer_order) as answer_order,
        count(distinct respondent_id) as n,
        sum(is_first_answer) as n_first_answers,
        sum(is_first_substantive_answer) as n_first_substantive_answers
    from stacked
    group by question_key, group_type, group_join_value, answer_code

),

totals as (

    select
        *,
        sum(n_first_answers) over (
            partition by question_key, group_type, group_join_value
        ) as n_answered,
        sum(n_first_substantive_answers) over (
            partition by question_key, group_type, group_join_value
        ) as n_substantive
    from option_counts

),

final as (

    select
        question_key,
        survey_wave_key,
        enkat_id,
        omgang,
        wave_number,
        fraga_id,
        grid_row_id,
        fragetext,
        typ,
        skala_id,
        comparable_question_key,
        group_type,
        group_join_value,
        group_value,
        group_label,
        answer_code,
        answer_label,
        is_substantive,
        answer_order,
        n,
        cast(n_answered as bigint) as n_answered,
        cast(n_substantive as bigint) as n_substantive,
        cast(n as numeric) / nullif(n_answered, 0) as share_of_answered,
        case
            when is_substantive then cast(n as numeric) / nullif(n_substantive, 0)
        end as share_of_substantive
    from totals
    where is_in_frame

)

select * from final
