{#-
    Order statuses per day of the CDC stream, one row per day and status (the statuses plus
    'deleted'), for every day with at least one change:
      orders_entered        orders that entered the status that day (a status change, or
                            the creation; 'deleted': orders deleted that day)
      orders_at_end_of_day  orders whose state at the end of the day is the status
                            ('deleted': every order deleted by then)
    Summed over the statuses, orders_at_end_of_day is the number of orders created by then.
-#}

with order_changes as (
    select * from {{ ref('slv_order_changes') }}
),

versions as (
    select
        order_id,
        {{ gold_date_of('valid_from') }} as valid_from_date,
        {{ gold_date_of('valid_to') }} as valid_to_date,
        case when is_deleted then 'deleted' else status end as order_state,
        is_deleted or previous_status is null or previous_status <> status as is_entry
    from order_changes
),

days as (
    select distinct valid_from_date as status_date
    from versions
),

statuses as (
    select 'created' as status
    union all
    select 'paid' as status
    union all
    select 'shipped' as status
    union all
    select 'delivered' as status
    union all
    select 'cancelled' as status
    union all
    select 'deleted' as status
),

entries as (
    select
        valid_from_date as status_date,
        order_state as status,
        count(distinct order_id) as orders_entered
    from versions
    where is_entry
    group by valid_from_date, order_state
),

end_of_day_states as (
    -- the version in force at the end of each day: started that day or before, not replaced
    -- by the end of it
    select
        days.status_date,
        versions.order_state as status,
        count(*) as orders_at_end_of_day
    from days
    inner join versions
        on
            days.status_date >= versions.valid_from_date
            and (versions.valid_to_date is null or days.status_date < versions.valid_to_date)
    group by days.status_date, versions.order_state
),

final as (
    select
        {{ gold_cast('days.status_date', 'date') }} as status_date,
        {{ gold_cast('statuses.status', 'string') }} as status,
        {{ gold_cast('coalesce(entries.orders_entered, 0)', 'bigint') }} as orders_entered,
        {{ gold_cast('coalesce(end_of_day_states.orders_at_end_of_day, 0)', 'bigint') }}
            as orders_at_end_of_day
    from days
    cross join statuses
    left join entries
        on
            days.status_date = entries.status_date
            and statuses.status = entries.status
    left join end_of_day_states
        on
            days.status_date = end_of_day_states.status_date
            and statuses.status = end_of_day_states.status
)

select * from final
