-- Respondents who opened the survey (svar.csv without its answer columns), latest load of each wave.

with

source as (

    {{ survey_latest_load('responses') }}

),

renamed as (

    select
        {{ clean_text('enkat_id') }} as enkat_id,
        {{ clean_text('omgang') }} as omgang,
        {{ clean_text('respondent_id') }} as respondent_id,
        {{ clean_code('status') }} as status,
        {{ parse_timestamp('besvarad') }} as besvarad,
        _source_row as source_row,
        _load_id as load_id
    from source

)

select * from renamed
