-- One row per goal of a form. Target and outcome are kept as text (ja/nej goals) with a
-- numeric copy where the value is a number. Free text: only the name-stripped copies of
-- the goal text and comment are passed on.

with

source as (

    select * from {{ source('followup_forms', 'goals') }}

),

renamed as (

    select
        {{ clean_text('form_id') }} as form_id,
        nr as goal_nr,
        {{ normalise_whitespace('mal_utan_namn') }} as goal_text,
        {{ clean_code('malgrupp') }} as malgrupp,
        {{ normalise_whitespace('indikator') }} as indikator,
        {{ clean_code('enhet') }} as enhet,
        {{ clean_text('malvarde') }} as target_value,
        {{ parse_number('malvarde') }} as target_value_numeric,
        {{ clean_text('utfall') }} as outcome_value,
        {{ parse_number('utfall') }} as outcome_value_numeric,
        {{ clean_code('bedomning') }} as bedomning,
        {{ clean_text('kommentar_utan_namn') }} as kommentar_utan_namn,
        _load_id as load_id,
        _source_row as source_row
    from source

),

final as (

    select * from renamed

)

select * from final
