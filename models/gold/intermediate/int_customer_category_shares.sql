{{ config(
    materialized='incremental',
    unique_key='customer_id',
    post_hook=delete_vanished_keys(
        'customer_id',
        'select order_lines.customer_id from ' ~ ref('fct_order_lines') ~ ' as order_lines'
        ~ ' inner join ' ~ ref('dim_customers') ~ ' as customers'
        ~ ' on order_lines.customer_id = customers.customer_id',
    ),
) }}

{#-
    The features of the segment model: for every profiled customer with purchases, the share of
    their spend in each product category (one row per customer and category, 0 where they
    bought nothing of it). Lines of quarantined products count under 'unknown'.

    Erasure subjects are in: their spend by category is a non-personal fact that erasure keeps
    (like their segment), so the predictions cover every customer with a null segment.
    is_holdout marks the known-segment customers the model is measured on (never trained on).
    Shares are decimals, so centroids and distances are exact sums whatever the order in which
    the engine adds rows (predictions are exported and must be byte-identical across runs).
    Incremental (macros/incremental.sql), delete+insert by customer: the customers of
    fct_order_lines rows written since this model's last batch, the customers whose total spend
    or segment no longer matches what is stored (a line that vanished, a segment change, a
    customer newly profiled), and every customer when the set of categories changed (each
    customer has a row per category). Customers left without lines or profile are deleted.
-#}

with customers as (
    select * from {{ ref('dim_customers') }}
),

all_order_lines as (
    select * from {{ ref('fct_order_lines') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_order_lines as (
        select customer_id from {{ ref('fct_order_lines') }}
        where _batch_at > {{ batch_watermark() }}
    ),

    customer_lines as (
        select
            customer_id,
            line_total
        from {{ ref('fct_order_lines') }}
    ),

    category_lines as (
        select
            customer_id,
            product_category
        from {{ ref('fct_order_lines') }}
    ),

    previous_customers as (
        select * from {{ this }}
    ),

    previous_categories as (
        select * from {{ this }}
    ),

{% endif %}
profiled_customers as (
    select
        customer_id,
        segment
    from customers
),

{% if is_incremental() %}
    stored_customers as (
        select
            customer_id,
            max(segment) as segment,
            sum(spend) as total_spend
        from previous_customers
        group by customer_id
    ),

    current_customers as (
        select
            customer_lines.customer_id,
            profiled_customers.segment,
            cast(coalesce(sum(customer_lines.line_total), 0) as decimal(38, 3)) as total_spend
        from customer_lines
        inner join profiled_customers
            on customer_lines.customer_id = profiled_customers.customer_id
        group by customer_lines.customer_id, profiled_customers.segment
    ),

    changed_customers as (
        -- a vanished line changes the total (one of total 0 changes no share)
        select coalesce(current_customers.customer_id, stored_customers.customer_id) as customer_id
        from current_customers
        full outer join stored_customers
            on current_customers.customer_id = stored_customers.customer_id
        where
            current_customers.total_spend is distinct from stored_customers.total_spend
            or current_customers.segment is distinct from stored_customers.segment
    ),

    current_categories as (
        select distinct coalesce(category_lines.product_category, 'unknown') as category
        from category_lines
        where category_lines.customer_id in (
            select profiled_customers.customer_id from profiled_customers
        )
    ),

    stored_categories as (
        select distinct category from previous_categories
    ),

    category_changes as (
        select count(*) as changed_categories
        from current_categories
        full outer join stored_categories
            on current_categories.category = stored_categories.category
        where current_categories.category is null or stored_categories.category is null
    ),

    affected_customers as (
        select customer_id from new_order_lines
        union
        select customer_id from changed_customers
        union
        select current_customers.customer_id from current_customers
        where (select category_changes.changed_categories from category_changes) > 0
    ),

{% endif %}
order_lines as (
    select * from all_order_lines
    {%- if is_incremental() %}
        where customer_id in (select affected_customers.customer_id from affected_customers)
    {%- endif %}
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
    {%- if is_incremental() %}
        -- every category, not only those of the affected customers
        select category from current_categories
    {%- else %}
        select distinct category from customer_category_spend
    {%- endif %}
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
        {{ batch_marker() }} as _batch_at
    from customer_categories
    inner join profiled_customers
        on customer_categories.customer_id = profiled_customers.customer_id
    left join customer_category_spend
        on
            customer_categories.customer_id = customer_category_spend.customer_id
            and customer_categories.category = customer_category_spend.category
)

select * from final
