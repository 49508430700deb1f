-- Every received version of every form, one row per version, with the current one marked.
--
-- Order of the receipts of one agreement and period: submitted_at, then the load
-- (loaded_at, load_id), then form_id. The last version in that order is current.
--
-- Identical re-send: a receipt whose content_checksum equals that of the receipt just
-- before it (same agreement and period) is not a new version. The first receipt is kept
-- as the version (its form_id, submitted_at and children); the re-sends are counted in
-- n_receipts and listed in resent_form_ids. Only consecutive duplicates collapse: content
-- A, then a correction B, then A again gives three versions (the last one, A, is current).

with

forms as (

    select * from {{ ref('stg_followup_forms__forms') }}

),

ordered as (

    select
        *,
        lag(content_checksum) over receipts as previous_content_checksum
    from forms
    window receipts as (
        partition by overenskommelse_id, period
        order by submitted_at, loaded_at, load_id, form_id
    )

),

flagged as (

    select
        *,
        coalesce(content_checksum = previous_content_checksum, false) as is_resend
    from ordered

),

grouped as (

    select
        *,
        sum(case when is_resend then 0 else 1 end) over (
            partition by overenskommelse_id, period
            order by submitted_at, loaded_at, load_id, form_id
            rows between unbounded preceding and current row
        ) as version_number
    from flagged

),

receipts as (

    select
        overenskommelse_id,
        period,
        version_number,
        count(*) as n_receipts,
        max(submitted_at) as last_received_at,
        string_agg(form_id, ',' order by submitted_at, loaded_at, load_id, form_id)
            filter (where is_resend) as resent_form_ids
    from grouped
    group by overenskommelse_id, period, version_number

),

versions as (

    select
        grouped.*,
        receipts.n_receipts,
        receipts.last_received_at,
        receipts.resent_form_ids
    from grouped
    inner join receipts
        on receipts.overenskommelse_id = grouped.overenskommelse_id
        and receipts.period = grouped.period
        and receipts.version_number = grouped.version_number
    where not grouped.is_resend

),

numbered as (

    select
        *,
        count(*) over (partition by overenskommelse_id, period) as n_versions,
        lead(submitted_at) over (
            partition by overenskommelse_id, period order by version_number
        ) as superseded_at,
        min(submitted_at) over (partition by overenskommelse_id, period) as first_submitted_at
    from versions

),

final as (

    select
        form_id,
        overenskommelse_id,
        period,
        cast(version_number as integer) as version_number,
        cast(n_versions as integer) as n_versions,
        version_number = n_versions as is_current,
        submitted_at as valid_from,
        superseded_at,
        submitted_at,
        first_submitted_at,
        submitted_at_basis,
        cast(n_receipts as integer) as n_receipts,
        last_received_at,
        resent_form_ids,
        content_checksum,
        source_format,
        source_file,
        template_version,
        period_as_written,
        overenskommelse_namn,
        kommuner_as_written,
        kommunkoder,
        motesdatum,
        deltagande_parter_utan_namn,
        samverkansniva,
        load_id,
        delivery_name,
        loaded_at
    from numbered

)

select * from final
