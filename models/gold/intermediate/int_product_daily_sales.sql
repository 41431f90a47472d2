{{ config(
    materialized='incremental',
    unique_key='order_date',
    post_hook="{{ delete_vanished_order_days(ref('fct_order_lines')) }}",
) }}

{#-
    Sales per product and day: the additive part of mart_product_performance (revenue, units,
    orders, lines), so that a refresh aggregates its new days, not every order line again. An
    order falls on one day, so its distinct count per day adds up to the product's orders.
    Incremental (macros/incremental.sql), delete+insert by day: the days
    `order_days_to_rebuild` names (order lines written since this model's last batch; days
    whose line count no longer matches).
-#}

with order_lines as (
    {{ order_lines_to_rebuild(ref('fct_order_lines')) | indent(4) }}
),

daily as (
    select
        order_date,
        sku,
        sum(line_total) as revenue,
        sum(quantity) as units_sold,
        count(distinct transaction_id) as orders,
        count(*) as order_lines
    from order_lines
    group by order_date, sku
),

final as (
    select
        {{ gold_cast('order_date', 'date') }} as order_date,
        {{ gold_cast('sku', 'bigint') }} as sku,
        {{ gold_cast('revenue', 'money') }} as revenue,
        {{ gold_cast('units_sold', 'bigint') }} as units_sold,
        {{ gold_cast('orders', 'bigint') }} as orders,
        {{ gold_cast('order_lines', 'bigint') }} as order_lines,
        {{ batch_marker() }} as _batch_at
    from daily
)

select * from final
