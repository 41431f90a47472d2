{#- Sales per product of dim_products (products never sold included, with zeros). Lines of
    quarantined products are not here: they have no valid product (see mart_data_quality).
    The sums come from the daily sales kept incrementally (int_product_daily_sales); distinct
    customers do not add up over days, so they are counted over the customer-product pairs kept
    incrementally (int_customer_products). -#}

with products as (
    select * from {{ ref('dim_products') }}
),

daily_sales as (
    select * from {{ ref('int_product_daily_sales') }}
),

customer_products as (
    select * from {{ ref('int_customer_products') }}
),

product_sales as (
    select
        sku,
        sum(revenue) as revenue,
        sum(units_sold) as units_sold,
        sum(orders) as orders,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from daily_sales
    group by sku
),

product_customers as (
    select
        sku,
        count(*) as distinct_customers
    from customer_products
    group by sku
),

product_totals as (
    select
        products.sku,
        products.product_name,
        products.category,
        products.price,
        product_sales.first_order_date,
        product_sales.last_order_date,
        coalesce(product_sales.revenue, 0) as revenue,
        coalesce(product_sales.units_sold, 0) as units_sold,
        coalesce(product_sales.orders, 0) as orders,
        coalesce(product_customers.distinct_customers, 0) as distinct_customers
    from products
    left join product_sales
        on products.sku = product_sales.sku
    left join product_customers
        on products.sku = product_customers.sku
),

ranked as (
    select
        *,
        rank() over (partition by category order by revenue desc) as category_revenue_rank,
        sum(revenue) over (partition by category) as category_revenue
    from product_totals
),

final as (
    select
        {{ gold_cast('sku', 'bigint') }} as sku,
        {{ gold_cast('product_name', 'string') }} as product_name,
        {{ gold_cast('category', 'string') }} as category,
        {{ gold_cast('price', 'money') }} as catalogue_price,
        {{ gold_cast('revenue', 'money') }} as revenue,
        {{ gold_cast('units_sold', 'bigint') }} as units_sold,
        {{ gold_cast('orders', 'bigint') }} as orders,
        {{ gold_cast('distinct_customers', 'bigint') }} as distinct_customers,
        {{ gold_cast('first_order_date', 'date') }} as first_order_date,
        {{ gold_cast('last_order_date', 'date') }} as last_order_date,
        {{ gold_cast('category_revenue_rank', 'bigint') }} as category_revenue_rank,
        {{ gold_cast(
            'round(cast(revenue as double) / nullif(cast(category_revenue as double), 0), 6)',
            'double'
        ) }} as category_revenue_share
    from ranked
)

select * from final
