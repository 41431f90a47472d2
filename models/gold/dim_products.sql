with products as (
    select * from {{ ref('slv_products') }}
),

final as (
    select
        {{ gold_cast('sku', 'bigint') }} as sku,
        {{ gold_cast('product_name', 'string') }} as product_name,
        {{ gold_cast('category', 'string') }} as category,
        {{ gold_cast('price', 'money') }} as price,
        {{ gold_cast('popularity', 'double') }} as popularity
    from products
)

select * from final
