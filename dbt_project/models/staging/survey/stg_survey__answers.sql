-- One row per non-empty answer cell of the latest load of each wave, typed by the question's
-- type in the codebook of the same load:
--   enval, matris: answer_code = the cell; matris: grid_row_id = the grid row (delfraga)
--   flerval: one row per chosen option (cell = 1), answer_code = the option code (delfraga)
--   tal: answer_number (decimal comma)
--   fritext: only is_text_answer; the text as delivered stays in raw.

with

source as (

    {{ survey_latest_load('answers') }}

),

question_types as (

    select distinct
        _load_id,
        {{ clean_text('fraga_id') }} as fraga_id,
        {{ clean_code('typ') }} as typ
    from {{ source('survey', 'questions') }}

),

typed as (

    select
        {{ clean_text('source.enkat_id') }} as enkat_id,
        {{ clean_text('source.omgang') }} as omgang,
        {{ clean_text('source.respondent_id') }} as respondent_id,
        {{ clean_text('source.kolumn') }} as kolumn,
        {{ clean_text('source.fraga_id') }} as fraga_id,
        question_types.typ,
        case
            when question_types.typ = 'matris' then {{ clean_text('source.delfraga') }}
        end as grid_row_id,
        case
            when question_types.typ in ('enval', 'matris') then {{ parse_survey_code('source.varde') }}
            when question_types.typ = 'flerval' then {{ parse_survey_code('source.delfraga') }}
        end as answer_code,
        case
            when question_types.typ = 'tal' then {{ parse_decimal_comma('source.varde') }}
        end as answer_number,
        question_types.typ = 'fritext' as is_text_answer,
        source._source_row as source_row,
        source._load_id as load_id
    from source
    left join question_types
        on question_types._load_id = source._load_id
        and question_types.fraga_id = {{ clean_text('source.fraga_id') }}
    where nullif(btrim(source.varde), '') is not null
        -- flerval: only chosen options (1); the loader should not store 0 cells anyway
        and (question_types.typ is distinct from 'flerval' or btrim(source.varde) = '1')

)

select * from typed
