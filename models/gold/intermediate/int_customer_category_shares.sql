{#-
    The features of the segment model: for every profiled customer with purchases, the share of
    their spend in each product category (one row per customer and category, 0 where they
    bought nothing of it). Lines of quarantined products count under 'unknown'.

    Erasure subjects are in: their spend by category is a non-personal fact that erasure keeps
    (like their segment), so the predictions cover every customer with a null segment.
    is_holdout marks the known-segment customers the model is measured on (never trained on).
    Shares are decimals, so centroids and distances are exact sums whatever the order in which
    the engine adds rows (predictions are exported and must be byte-identical across runs).
-#}

with customers as (
    select * from {{ ref('dim_customers') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

profiled_customers as (
    select
        customer_id,
        segment
    from customers
),

customer_category_spend as (
    select
        order_lines.customer_id,
        coalesce(order_lines.product_category, 'unknown') as category,
        sum(order_lines.line_total) as spend
    from order_lines
    inner join profiled_customers
        on order_lines.customer_id = profiled_customers.customer_id
    group by order_lines.customer_id, coalesce(order_lines.product_category, 'unknown')
),

customer_spend as (
    select
        customer_id,
        sum(spend) as total_spend
    from customer_category_spend
    group by customer_id
),

categories as (
    select distinct category from customer_category_spend
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
        ) as spend_share
    from customer_categories
    inner join profiled_customers
        on customer_categories.customer_id = profiled_customers.customer_id
    left join customer_category_spend
        on
            customer_categories.customer_id = customer_category_spend.customer_id
            and customer_categories.category = customer_category_spend.category
)

select * from final
