-- One row per assessment question (F1-F12) of a form. The answer is 1-5 or
-- 'kan_inte_bedoma' (cannot be assessed), which is not a value on the scale: answer is
-- null for it and is_assessable false.

with

source as (

    select * from {{ source('followup_forms', 'assessments') }}

),

renamed as (

    select
        {{ clean_text('form_id') }} as form_id,
        upper({{ clean_text('fraga') }}) as question_code,
        {{ clean_code('svar') }} as answer_code,
        case
            when btrim(svar) ~ '^[1-5]$' then cast(btrim(svar) as integer)
        end as answer,
        coalesce(btrim(svar) ~ '^[1-5]$', false) as is_assessable,
        {{ clean_text('kommentar_utan_namn') }} as kommentar_utan_namn,
        _load_id as load_id,
        _source_row as source_row
    from source

),

final as (

    select * from renamed

)

select * from final
