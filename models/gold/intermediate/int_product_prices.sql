{#- The product attributes the price history tracks (snapshots/snp_product_prices.sql): no
    lineage columns, so a re-delivery of an unchanged product is not a change. -#}

with products as (
    select * from {{ ref('slv_products') }}
),

final as (
    select
        sku,
        product_name,
        price,
        category
    from products
)

select * from final
