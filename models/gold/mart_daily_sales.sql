{#- Sales per day, product category and delivery country. Lines of quarantined products have no
    category ('unknown'); an order with lines in two categories counts once in each. -#}

{{ config(
    materialized='incremental',
    unique_key='order_date',
    post_hook=delete_vanished_keys(
        'order_date',
        'select order_date from ' ~ ref('fct_order_lines') ~ ' where order_date is not null',
    ),
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by day: the order dates of fct_order_lines
    rows written since this model's last batch, and the days whose line count no longer matches
    (a re-delivered order that moved to another day leaves its old day short).
-#}

with all_order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    order_line_days as (
        select order_date from {{ ref('fct_order_lines') }}
    ),

    new_order_line_days as (
        select order_date from {{ ref('fct_order_lines') }}
        where _batch_at > {{ batch_watermark() }}
    ),

    previous as (
        select * from {{ this }}
    ),

    stored_day_lines as (
        select
            order_date,
            sum(order_lines) as order_lines
        from previous
        group by order_date
    ),

    current_day_lines as (
        select
            order_date,
            count(*) as order_lines
        from order_line_days
        group by order_date
    ),

    affected_days as (
        select order_date from new_order_line_days
        union
        select coalesce(stored_day_lines.order_date, current_day_lines.order_date) as order_date
        from stored_day_lines
        full outer join current_day_lines
            on stored_day_lines.order_date = current_day_lines.order_date
        where stored_day_lines.order_lines is distinct from current_day_lines.order_lines
    ),

{% endif %}
order_lines as (
    select * from all_order_lines
    {%- if is_incremental() %}
        where order_date in (select affected_days.order_date from affected_days)
    {%- endif %}
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
