-- Calendar date spine with half-year periods ('2024H1').

with

spine as (

    select cast(day as date) as date_day
    from generate_series(
        cast('{{ var("calendar_start_date") }}' as date),
        cast('{{ var("calendar_end_date") }}' as date),
        interval '1 day'
    ) as day

),

final as (

    select
        date_day,
        cast(extract(year from date_day) as integer) as year,
        cast(extract(month from date_day) as integer) as month,
        cast(extract(day from date_day) as integer) as day_of_month,
        cast(extract(quarter from date_day) as integer) as quarter,
        case when extract(month from date_day) <= 6 then 1 else 2 end as half,
        cast(cast(extract(year from date_day) as integer) as text)
            || 'H' || case when extract(month from date_day) <= 6 then '1' else '2' end as period_key,
        cast(extract(isodow from date_day) as integer) as iso_day_of_week,
        cast(extract(week from date_day) as integer) as iso_week,
        extract(isodow from date_day) in (6, 7) as is_weekend,
        cast(date_trunc('month', date_day) as date) as month_start_date,
        date_day = cast(date_trunc('month', date_day) + interval '1 month' - interval '1 day' as date) as is_month_end
    from spine

)

select * from final
