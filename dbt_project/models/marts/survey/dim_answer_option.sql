-- One row per survey wave x scale x answer code.
-- Statistics right after the build, so that downstream survey models get sane join plans.
{{ config(post_hook='analyze {{ this }}') }}

with

scales as (

    select * from {{ ref('stg_survey__scales') }}

),

final as (

    select
        {{ surrogate_key(['enkat_id', 'omgang', 'skala_id', 'kod']) }} as answer_option_key,
        {{ surrogate_key(['enkat_id', 'omgang']) }} as survey_wave_key,
        enkat_id,
        omgang,
        skala_id,
        kod,
        etikett,
        is_substantive,
        ordning
    from scales

)

select * from final
