-- Answer scales (skalor.csv) of the latest load of each wave: one row per scale and code.

with

source as (

    {{ survey_latest_load('scales') }}

),

renamed as (

    select
        {{ clean_text('enkat_id') }} as enkat_id,
        {{ clean_text('omgang') }} as omgang,
        {{ clean_text('skala_id') }} as skala_id,
        {{ parse_survey_code('kod') }} as kod,
        {{ normalise_whitespace('etikett') }} as etikett,
        {{ parse_yes_no('substantiell') }} as is_substantive,
        {{ parse_survey_code('ordning') }} as ordning,
        _source_row as source_row,
        _load_id as load_id
    from source

)

select * from renamed
