-- Comparable questions across the waves of a survey: one row per comparable question chain x
-- grid row x answer code x wave, with the wave's own question id and text. Only chains asked
-- in at least two waves. Grid rows are matched on their id, options on their code.

with

results as (

    select * from {{ ref('mart_survey_results') }}

),

waves as (

    select * from {{ ref('dim_survey') }}

),

chain_sizes as (

    select
        comparable_question_key,
        count(distinct omgang) as n_waves
    from results
    group by comparable_question_key

),

final as (

    select
        {{ surrogate_key([
            'results.comparable_question_key', 'results.grid_row_id', 'results.answer_code', 'results.omgang'
        ]) }} as survey_trend_key,
        results.comparable_question_key,
        results.enkat_id,
        results.grid_row_id,
        results.answer_code,
        results.omgang,
        results.wave_number,
        waves.oppnad,
        results.fraga_id,
        results.fragetext,
        results.label,
        results.substantive,
        results.answer_order,
        results.n,
        results.n_answered,
        results.n_substantive,
        results.share_of_answered,
        results.share_of_substantive,
        chain_sizes.n_waves
    from results
    inner join chain_sizes
        on chain_sizes.comparable_question_key = results.comparable_question_key
    inner join waves
        on waves.survey_wave_key = results.survey_wave_key
    where chain_sizes.n_waves > 1

)

select * from final
