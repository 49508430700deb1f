-- Answer distribution per survey wave x question x grid row x respondent group x answer
-- option (see int_survey__option_counts for the rules).

with

option_counts as (

    select * from {{ ref('int_survey__option_counts') }}
    where group_type <> 'total'

),

final as (

    select
        {{ surrogate_key([
            'enkat_id', 'omgang', 'fraga_id', 'grid_row_id', 'group_type', 'group_value', 'answer_code'
        ]) }} as survey_group_result_key,
        question_key,
        survey_wave_key,
        enkat_id,
        omgang,
        fraga_id,
        grid_row_id,
        fragetext,
        typ,
        group_type,
        group_value,
        group_label,
        answer_code,
        answer_label as label,
        is_substantive as substantive,
        answer_order,
        n,
        n_answered,
        n_substantive,
        share_of_answered,
        share_of_substantive
    from option_counts

)

select * from final
