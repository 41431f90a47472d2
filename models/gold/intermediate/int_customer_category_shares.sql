{{ config(
    materialized='incremental',
    unique_key='customer_id',
    post_hook="{{ delete_retired_keys('category') }}",
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

    Incremental (macros/incremental.sql), delete+insert by customer. Affected: the customers of
    fct_order_lines and fct_orders rows written since this model's last batch; of
    int_transactions__checked rows written since (it rewrites every bronze row of a transaction
    whose outcome changes, the old version included: an order re-delivered under another
    customer, or gone, names its old customer there); of int_customers__checked rows written
    since (segment changed, customer became known, quarantined or erased); and every customer
    when the set of categories changed. An affected customer no longer in dim_customers or
    without orders gets one row without category, which the post-hook deletes
    (delete_retired_keys). Comparing every stored customer with dim_customers and fct_orders
    instead cost 3-5 s per refresh at 10M lines.
-#}

-- depends_on: {{ ref('int_transactions__checked') }}
-- depends_on: {{ ref('int_customers__checked') }}
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

categories as (
    select distinct category from line_categories
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_line_customers as (
        {{ keys_written_since_last_batch(ref('fct_order_lines')) }}
    ),

    new_order_customers as (
        {{ keys_written_since_last_batch(ref('fct_orders')) }}
    ),

    rechecked_transaction_customers as (
        {{ keys_written_since_last_batch(ref('int_transactions__checked')) }}
    ),

    rechecked_customers as (
        {{ keys_written_since_last_batch(ref('int_customers__checked')) }}
    ),

    stored_category_rows as (
        select category from {{ this }}
    ),

    stored_categories as (
        select distinct category from stored_category_rows
    ),

    category_changes as (
        select count(*) as changed_categories
        from stored_categories
        full outer join categories
            on stored_categories.category = categories.category
        where stored_categories.category is null or categories.category is null
    ),

    every_customer as (
        select customer_id from {{ ref('dim_customers') }}
    ),

    affected_customers as (
        select customer_id from new_line_customers
        union
        select customer_id from new_order_customers
        union
        select customer_id from rechecked_transaction_customers
        where customer_id is not null
        union
        select customer_id from rechecked_customers
        where customer_id is not null
        union
        select every_customer.customer_id
        from every_customer
        cross join category_changes
        where category_changes.changed_categories > 0
    ),

{% endif %}
profiled_customers as (
    select
        customer_id,
        segment
    from customers
    {{ only_affected('customer_id', 'affected_customers') }}
),

customer_orders as (
    select
        customer_id,
        count(*) as orders
    from orders
    {{ only_affected('customer_id', 'affected_customers') }}
    group by customer_id
),

affected_lines as (
    select * from order_lines
    {{ only_affected('customer_id', 'affected_customers') }}
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

customer_shares as (
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
),

{% if is_incremental() %}
    retired_customers as (
    -- affected customers without rows now: one row without category each (see above); the
    -- other columns hold placeholders their not-null constraints accept
        select
            affected_customers.customer_id,
            null as segment,
            null as category,
            false as is_holdout,
            cast(0 as decimal(38, 3)) as spend,
            cast(0 as decimal(18, 9)) as spend_share,
            {{ gold_cast('0', 'bigint') }} as orders,
            {{ batch_marker() }} as _batch_at
        from affected_customers
        where affected_customers.customer_id not in (
            select customer_shares.customer_id from customer_shares
        )
    ),

{% endif %}
final as (
    select * from customer_shares
    {%- if is_incremental() %}
        union all
        select * from retired_customers
    {%- endif %}
)

select * from final
