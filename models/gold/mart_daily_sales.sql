{#- Sales per day, product category and delivery country. Lines of quarantined products have no
    category ('unknown'); an order with lines in two categories counts once in each. -#}

{{ config(
    materialized='incremental',
    unique_key='order_date',
    post_hook="{{ delete_vanished_order_days(ref('fct_order_lines')) }}",
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by day: the days `order_days_to_rebuild`
    names (order lines written since this model's last batch; days whose line count no longer
    matches).
-#}

with order_lines as (
    {{ order_lines_to_rebuild(ref('fct_order_lines')) | indent(4) }}
),

labelled_lines as (
    select
        order_date,
        transaction_id,
        customer_id,
        quantity,
        line_total,
        coalesce(product_category, 'unknown') as product_category,
        coalesce(delivery_country, 'unknown') as delivery_country
    from order_lines
),

daily as (
    select
        order_date,
        product_category,
        delivery_country,
        sum(line_total) as revenue,
        count(distinct transaction_id) as orders,
        sum(quantity) as units,
        count(distinct customer_id) as distinct_customers,
        count(*) as order_lines
    from labelled_lines
    group by order_date, product_category, delivery_country
),

final as (
    select
        {{ gold_cast('order_date', 'date') }} as order_date,
        {{ gold_cast('product_category', 'string') }} as product_category,
        {{ gold_cast('delivery_country', 'string') }} as delivery_country,
        {{ gold_cast('revenue', 'money') }} as revenue,
        {{ gold_cast('orders', 'bigint') }} as orders,
        {{ gold_cast('units', 'bigint') }} as units,
        {{ gold_cast('distinct_customers', 'bigint') }} as distinct_customers,
        {{ gold_cast('order_lines', 'bigint') }} as order_lines,
        {{ batch_marker() }} as _batch_at
    from daily
)

select * from final
