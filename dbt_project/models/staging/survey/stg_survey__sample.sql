-- The sample frame (urval.csv) of the latest load of each wave: everyone the survey was sent to.

with

source as (

    {{ survey_latest_load('sample') }}

),

renamed as (

    select
        {{ clean_text('enkat_id') }} as enkat_id,
        {{ clean_text('omgang') }} as omgang,
        {{ clean_text('respondent_id') }} as respondent_id,
        {{ pad_code('kommunkod', 4) }} as kommunkod,
        {{ pad_code('lanskod', 2) }} as lanskod,
        {{ normalise_whitespace('organisation') }} as organisation,
        {{ clean_code('aktorstyp') }} as aktorstyp,
        upper({{ clean_text('overenskommelse_id') }}) as overenskommelse_id,
        {{ clean_code('utskick') }} as utskick,
        _source_row as source_row,
        _load_id as load_id
    from source

)

select * from renamed
