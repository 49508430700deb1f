-- Half-year periods (H1 = Jan-Jun, H2 = Jul-Dec) with the due date of the semiannual
-- follow-up: 31 Aug the same year for H1, the last day of February the next year for H2.

with

years as (

    select cast(year as integer) as year
    from generate_series(
        cast(extract(year from cast('{{ var("calendar_start_date") }}' as date)) as integer),
        cast(extract(year from cast('{{ var("calendar_end_date") }}' as date)) as integer)
    ) as year

),

halves as (

    select half from (values (1), (2)) as halves (half)

),

periods as (

    select
        years.year,
        halves.half,
        make_date(years.year, case when halves.half = 1 then 1 else 7 end, 1) as start_date
    from years
    cross join halves

),

final as (

    select
        cast(year as text) || 'H' || cast(half as text) as period_key,
        year,
        half,
        start_date,
        cast(start_date + interval '6 months' - interval '1 day' as date) as end_date,
        case
            when half = 1 then make_date(year, 8, 31)
            else make_date(year + 1, 3, 1) - 1
        end as followup_due_date
    from periods

)

select * from final
