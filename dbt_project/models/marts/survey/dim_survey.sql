-- One row per survey wave (enkat_id x omgang), from the latest load that delivered it.
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

waves as (

    select * from {{ ref('stg_survey__waves') }}

),

final as (

    select
        {{ surrogate_key(['enkat_id', 'omgang']) }} as survey_wave_key,
        enkat_id,
        omgang,
        namn,
        oppnad,
        stangd,
        enhet,
        wave_number,
        wave_number = max(wave_number) over (partition by enkat_id) as is_latest_wave,
        source_encoding,
        load_id,
        delivery_name,
        delivery_date,
        loaded_at,
        n_loads
    from waves

)

select * from final
