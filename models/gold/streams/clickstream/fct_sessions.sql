{#-
    One row per session of the clickstream (the 30-minute inactivity rule, see
    int_clickstream__session_events): when it started and ended, its events and page views,
    the funnel steps it reached (at least one event of the type), its device, browser and OS
    (those of its first event), and its customer (null for anonymous visitors and erased
    customers). Crawler sessions are kept, flagged is_bot.
-#}

with session_events as (
    select * from {{ ref('int_clickstream__session_events') }}
),

aggregated as (
    select
        session_key,
        min(event_time) as session_start,
        max(event_time) as session_end,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_view_count,
        max(customer_id) as customer_id,
        max(case when is_erased then 1 else 0 end) = 1 as is_customer_erased,
        max(case when event_type = 'page_view' then 1 else 0 end) = 1 as has_page_view,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) = 1 as has_add_to_cart,
        max(case when event_type = 'checkout' then 1 else 0 end) = 1 as has_checkout,
        max(case when event_type = 'purchase' then 1 else 0 end) = 1 as has_purchase
    from session_events
    group by session_key
),

first_events as (
    select * from session_events
    where is_session_start = 1
),

final as (
    select
        {{ gold_cast('aggregated.session_key', 'string') }} as session_key,
        {{ gold_cast('first_events.session_id', 'string') }} as session_id,
        {{ gold_cast('first_events.session_number', 'bigint') }} as session_number,
        {{ gold_cast('aggregated.customer_id', 'string') }} as customer_id,
        {{ gold_cast('aggregated.is_customer_erased', 'boolean') }} as is_customer_erased,
        {{ gold_cast('aggregated.session_start', 'timestamp') }} as session_start,
        {{ gold_cast('aggregated.session_end', 'timestamp') }} as session_end,
        {{ gold_date_of('aggregated.session_start') }} as session_date,
        {{ gold_cast(
            clickstream_seconds_between('aggregated.session_start', 'aggregated.session_end'),
            'bigint'
        ) }} as duration_seconds,
        {{ gold_cast('aggregated.event_count', 'bigint') }} as event_count,
        {{ gold_cast('aggregated.page_view_count', 'bigint') }} as page_view_count,
        {{ gold_cast('first_events.url', 'string') }} as landing_url,
        {{ gold_cast('first_events.referrer', 'string') }} as referrer,
        {{ gold_cast('aggregated.has_page_view', 'boolean') }} as has_page_view,
        {{ gold_cast('aggregated.has_add_to_cart', 'boolean') }} as has_add_to_cart,
        {{ gold_cast('aggregated.has_checkout', 'boolean') }} as has_checkout,
        {{ gold_cast('aggregated.has_purchase', 'boolean') }} as has_purchase,
        {{ gold_cast('aggregated.has_purchase', 'boolean') }} as is_converted,
        {{ gold_cast(
            "case when aggregated.has_purchase then 'purchase'"
            ~ " when aggregated.has_checkout then 'checkout'"
            ~ " when aggregated.has_add_to_cart then 'add_to_cart'"
            ~ " when aggregated.has_page_view then 'page_view'"
            ~ " else 'none' end",
            'string'
        ) }} as furthest_funnel_step,
        {{ gold_cast('first_events.device_type', 'string') }} as device_type,
        {{ gold_cast('first_events.browser', 'string') }} as browser,
        {{ gold_cast('first_events.os', 'string') }} as os,
        {{ gold_cast('first_events.os_family', 'string') }} as os_family,
        {{ gold_cast('first_events.is_bot', 'boolean') }} as is_bot
    from aggregated
    inner join first_events
        on aggregated.session_key = first_events.session_key
)

select * from final
