-- One row per received form version, typed, with the time its delivery was loaded.
-- Free text: only the name-stripped copy of deltagande_parter is passed on.

with

source as (

    select * from {{ source('followup_forms', 'forms') }}

),

loads as (

    select * from {{ source('meta', 'load_audit') }}
    where source = 'followup_forms'

),

renamed as (

    select
        {{ clean_text('source.form_id') }} as form_id,
        {{ clean_text('source.overenskommelse_id') }} as overenskommelse_id,
        upper({{ clean_text('source.period') }}) as period,
        {{ clean_text('source.period_as_written') }} as period_as_written,
        {{ clean_text('source.template_version') }} as template_version,
        {{ clean_code('source.source_format') }} as source_format,
        source.source_file,
        source.content_checksum,
        source.submitted_at,
        {{ clean_code('source.submitted_at_basis') }} as submitted_at_basis,
        {{ clean_text('source.overenskommelse_namn') }} as overenskommelse_namn,
        {{ clean_text('source.kommuner_as_written') }} as kommuner_as_written,
        nullif(regexp_replace(source.kommunkoder, '\s+', '', 'g'), '') as kommunkoder,
        source.motesdatum,
        {{ clean_text('source.deltagande_parter_utan_namn') }} as deltagande_parter_utan_namn,
        {{ clean_code('source.samverkansniva') }} as samverkansniva,
        source._load_id as load_id,
        loads.delivery_name,
        loads.loaded_at
    from source
    inner join loads
        on loads.load_id = source._load_id

),

final as (

    select * from renamed

)

select * from final
