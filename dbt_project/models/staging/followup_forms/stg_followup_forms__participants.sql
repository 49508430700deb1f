-- One row per target group x sex x age group x birth region of a form. Template 2023.1
-- has no age group or birth region: they are 'okänd' there (never null), so that a
-- 2023.1 row and the sum over a 2024.1 form's rows are comparable.

with

source as (

    select * from {{ source('followup_forms', 'participants') }}

),

renamed as (

    select
        {{ clean_text('form_id') }} as form_id,
        {{ clean_code('malgrupp') }} as malgrupp,
        {{ clean_code('kon') }} as kon,
        coalesce({{ clean_code('aldersgrupp') }}, 'okänd') as aldersgrupp,
        coalesce({{ clean_code('fodelseregion') }}, 'okänd') as fodelseregion,
        deltagare as n_participants,
        nya as n_new,
        avslutade as n_ended,
        till_arbete as n_to_work,
        till_studier as n_to_studies,
        _load_id as load_id,
        _source_row as source_row
    from source

),

final as (

    select * from renamed

)

select * from final
