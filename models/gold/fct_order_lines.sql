with transaction_lines as (
    select * from {{ ref('slv_transaction_lines') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

final as (
    select
        {{ gold_cast('transaction_lines.transaction_id', 'string') }} as transaction_id,
        {{ gold_cast('transaction_lines.line_position', 'bigint') }} as line_position,
        orders.customer_id,
        orders.order_date,
        orders.delivery_country,
        {{ gold_cast('transaction_lines.sku', 'bigint') }} as sku,
        products.category as product_category,
        {{ gold_cast('transaction_lines.quantity', 'bigint') }} as quantity,
        {{ gold_cast('transaction_lines.price', 'money') }} as unit_price,
        {{ gold_cast('transaction_lines.line_total', 'money') }} as line_total,
        {{ gold_cast('transaction_lines.catalogue_price', 'money') }} as catalogue_price,
        {{ gold_cast('transaction_lines.is_product_quarantined', 'boolean') }}
            as is_product_quarantined,
        {{ gold_cast('transaction_lines.is_catalogue_price_mismatch', 'boolean') }}
            as is_catalogue_price_mismatch
    from transaction_lines
    inner join orders
        on transaction_lines.transaction_id = orders.transaction_id
    left join products
        on transaction_lines.sku = products.sku
)

select * from final
