-- One row per received version of a follow-up form (identical re-sends collapsed, see
-- int_followup_forms__form_versions), with is_current for the version that counts.

with

versions as (

    select * from {{ ref('int_followup_forms__form_versions') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

final as (

    select
        versions.form_id,
        versions.overenskommelse_id,
        versions.period,
        versions.version_number,
        versions.n_versions,
        versions.is_current,
        versions.valid_from,
        versions.superseded_at,
        versions.submitted_at,
        versions.submitted_at_basis,
        periods.followup_due_date,
        {{ submitted_on_time('versions.submitted_at', 'periods.followup_due_date') }} as is_submitted_on_time,
        versions.n_receipts,
        versions.resent_form_ids,
        versions.last_received_at,
        versions.source_format,
        versions.template_version,
        versions.motesdatum,
        versions.kommunkoder,
        versions.deltagande_parter_utan_namn,
        versions.samverkansniva,
        {{ collaboration_level_step('versions.samverkansniva') }} as samverkansniva_step,
        versions.loaded_at
    from versions
    left join periods
        on periods.period_key = versions.period

)

select * from final
