{{ config(
    materialized='incremental',
    unique_key='customer_id',
    post_hook="{{ delete_vanished_keys(
        'customer_id',
        'select customer_id from ' ~ ref('dim_customers')
        ~ ' where customer_id in (select customer_id from ' ~ ref('fct_orders') ~ ')',
    ) }}",
) }}

{#-
    The features of the segment model: for every profiled customer with purchases, the share of
    their spend in each product category (one row per customer and category of the order lines,
    0 where they bought nothing of it). Lines of quarantined products count under 'unknown'.

    Erasure subjects are in: their spend by category is a non-personal fact that erasure keeps
    (like their segment), so the predictions cover every customer with a null segment.
    is_holdout marks the known-segment customers the model is measured on (never trained on).
    Shares are decimals, so centroids and distances are exact sums whatever the order in which
    the engine adds rows (predictions are exported and must be byte-identical across runs).

    Incremental (macros/incremental.sql), delete+insert by customer: the customers of
    fct_order_lines and fct_orders rows written since this model's last batch; those whose
    count of orders no longer matches the stored one (an order re-delivered under another
    customer leaves its old customer short); those whose segment changed or who became known
    with orders; and every customer when the set of categories changed. A customer no longer
    in dim_customers or without orders is deleted (the post-hook).
-#}

with customers as (
    select * from {{ ref('dim_customers') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

line_categories as (
    select coalesce(product_category, 'unknown') as category
    from {{ ref('fct_order_lines') }}
),

profiled_customers as (
    select
        customer_id,
        segment
    from customers
),

customer_orders as (
    select
        customer_id,
        count(*) as orders
    from orders
    group by customer_id
),

categories as (
    select distinct category from line_categories
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_line_customers as (
        select customer_id from {{ ref('fct_order_lines') }}
        where _batch_at > {{ batch_watermark() }}
    ),

    new_order_customers as (
        select customer_id from {{ ref('fct_orders') }}
        where _batch_at > {{ batch_watermark() }}
    ),

    stored_customer_rows as (
        select
            customer_id,
            segment,
            orders
        from {{ this }}
    ),

    stored_category_rows as (
        select category from {{ this }}
    ),

    stored_customers as (
        select distinct
            customer_id,
            segment,
            orders
        from stored_customer_rows
    ),

    stored_categories as (
        select distinct category from stored_category_rows
    ),

    current_customers as (
        select
            customer_orders.customer_id,
            customer_orders.orders,
            profiled_customers.segment
        from customer_orders
        inner join profiled_customers
            on customer_orders.customer_id = profiled_customers.customer_id
    ),

    changed_customers as (
        select coalesce(stored_customers.customer_id, current_customers.customer_id) as customer_id
        from stored_customers
        full outer join current_customers
            on stored_customers.customer_id = current_customers.customer_id
        where
            stored_customers.orders is distinct from current_customers.orders
            or stored_customers.segment is distinct from current_customers.segment
    ),

    category_changes as (
        select count(*) as changed_categories
        from stored_categories
        full outer join categories
            on stored_categories.category = categories.category
        where stored_categories.category is null or categories.category is null
    ),

    affected_customers as (
        select customer_id from new_line_customers
        union
        select customer_id from new_order_customers
        union
        select customer_id from changed_customers
        union
        select customer_orders.customer_id
        from customer_orders
        cross join category_changes
        where category_changes.changed_categories > 0
    ),

{% endif %}
affected_lines as (
    select * from order_lines
    {%- if is_incremental() %}
        where customer_id in (select affected_customers.customer_id from affected_customers)
    {%- endif %}
),

customer_category_spend as (
    select
        affected_lines.customer_id,
        coalesce(affected_lines.product_category, 'unknown') as category,
        sum(affected_lines.line_total) as spend
    from affected_lines
    inner join profiled_customers
        on affected_lines.customer_id = profiled_customers.customer_id
    group by affected_lines.customer_id, coalesce(affected_lines.product_category, 'unknown')
),

customer_spend as (
    select
        customer_id,
        sum(spend) as total_spend
    from customer_category_spend
    group by customer_id
),

customer_categories as (
    select
        customer_spend.customer_id,
        customer_spend.total_spend,
        categories.category
    from customer_spend
    cross join categories
),

final as (
    select
        customer_categories.customer_id,
        profiled_customers.segment,
        customer_categories.category,
        profiled_customers.segment is not null
        and {{ segment_model_holdout('customer_categories.customer_id') }} as is_holdout,
        cast(coalesce(customer_category_spend.spend, 0) as decimal(38, 3)) as spend,
        cast(
            coalesce(
                coalesce(customer_category_spend.spend, 0)
                / nullif(customer_categories.total_spend, 0),
                0
            ) as decimal(18, 9)
        ) as spend_share,
        {{ gold_cast('customer_orders.orders', 'bigint') }} as orders,
        {{ batch_marker() }} as _batch_at
    from customer_categories
    inner join profiled_customers
        on customer_categories.customer_id = profiled_customers.customer_id
    inner join customer_orders
        on customer_categories.customer_id = customer_orders.customer_id
    left join customer_category_spend
        on
            customer_categories.customer_id = customer_category_spend.customer_id
            and customer_categories.category = customer_category_spend.category
)

select * from final
