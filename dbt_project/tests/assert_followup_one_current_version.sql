-- Every agreement and period with a received form has exactly one current version, its
-- versions are numbered 1..n_versions, and the current one is version n_versions.

with

versions as (

    select * from {{ ref('int_followup_forms__form_versions') }}

),

checked as (

    select
        overenskommelse_id,
        period,
        count(*) filter (where is_current) as n_current,
        count(*) as n_rows,
        max(n_versions) as n_versions,
        max(version_number) as max_version_number,
        max(version_number) filter (where is_current) as current_version_number
    from versions
    group by overenskommelse_id, period

)

select * from checked
where n_current <> 1
    or n_rows <> n_versions
    or max_version_number <> n_versions
    or current_version_number <> n_versions
