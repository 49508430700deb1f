-- Every survey condition (villkor) must parse and refer to a question of the same wave
-- (see int_survey__questions for the grammar); otherwise it cannot be evaluated.

with

questions as (

    select * from {{ ref('int_survey__questions') }}

)

select
    questions.enkat_id,
    questions.omgang,
    questions.fraga_id,
    questions.grid_row_id,
    questions.villkor
from questions
where questions.villkor is not null
    and (
        questions.condition_operator is null
        or not exists (
            select 1
            from questions as referenced
            where referenced.enkat_id = questions.enkat_id
                and referenced.omgang = questions.omgang
                and referenced.fraga_id = questions.condition_fraga_id
        )
    )
