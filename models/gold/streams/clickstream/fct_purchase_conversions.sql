{#-
    One row per purchase event of the clickstream, matched to the order it placed
    (fct_orders, by order id): is_matched, the order's total and time, and the time from the
    session's start to the purchase. Unmatched purchases (an order id fct_orders does not
    hold, e.g. a guest checkout of another system) keep null order columns.
-#}

with session_events as (
    select * from {{ ref('int_clickstream__session_events') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

purchases as (
    select * from session_events
    where event_type = 'purchase'
),

final as (
    select
        {{ gold_cast('purchases.event_id', 'string') }} as event_id,
        {{ gold_cast('purchases.session_key', 'string') }} as session_key,
        {{ gold_cast('purchases.customer_id', 'string') }} as customer_id,
        {{ gold_cast('purchases.is_erased', 'boolean') }} as is_customer_erased,
        {{ gold_cast('purchases.order_id', 'string') }} as order_id,
        {{ gold_cast('purchases.event_time', 'timestamp') }} as purchased_at,
        {{ gold_date_of('purchases.event_time') }} as purchase_date,
        {{ gold_cast('orders.transaction_id is not null', 'boolean') }} as is_matched,
        {{ gold_cast('orders.order_total', 'money') }} as order_total,
        {{ gold_cast('orders.transaction_time', 'timestamp') }} as order_time,
        {{ gold_cast(
            clickstream_seconds_between('sessions.session_start', 'purchases.event_time'),
            'bigint'
        ) }} as seconds_from_session_start,
        {{ gold_cast(
            clickstream_seconds_between('purchases.event_time', 'orders.transaction_time'),
            'bigint'
        ) }} as seconds_to_order,
        {{ gold_cast('sessions.device_type', 'string') }} as device_type
    from purchases
    inner join sessions
        on purchases.session_key = sessions.session_key
    left join orders
        on lower(purchases.order_id) = orders.transaction_id
)

select * from final
