-- Analysts' theme coding of free-text answers (kodning.csv), latest load of each wave.

with

source as (

    {{ survey_latest_load('coding') }}

),

renamed as (

    select
        {{ clean_text('enkat_id') }} as enkat_id,
        {{ clean_text('omgang') }} as omgang,
        {{ clean_text('respondent_id') }} as respondent_id,
        {{ clean_text('fraga_id') }} as fraga_id,
        {{ normalise_whitespace('tema') }} as tema,
        {{ normalise_whitespace('kod') }} as kod,
        _source_row as source_row,
        _load_id as load_id
    from source

)

select * from renamed
