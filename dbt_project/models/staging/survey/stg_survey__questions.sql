-- The codebook (fragor.csv) of the latest load of each wave: one row per question and grid row.

with

source as (

    {{ survey_latest_load('questions') }}

),

renamed as (

    select
        {{ clean_text('enkat_id') }} as enkat_id,
        {{ clean_text('omgang') }} as omgang,
        {{ clean_text('fraga_id') }} as fraga_id,
        {{ clean_text('delfraga') }} as delfraga,
        {{ normalise_whitespace('fragetext') }} as fragetext,
        {{ clean_code('typ') }} as typ,
        {{ clean_text('skala_id') }} as skala_id,
        {{ clean_text('villkor') }} as villkor,
        {{ clean_text('jamforbar_med') }} as jamforbar_med,
        _source_row as source_row,
        _load_id as load_id
    from source

)

select * from renamed
