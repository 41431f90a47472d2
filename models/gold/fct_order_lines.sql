{{ config(
    materialized='incremental',
    unique_key='transaction_id',
    pre_hook="{{ pin_join_sides() if is_incremental() else 'select 1' }}",
    post_hook=[
        "{{ unpin_join_sides() }}",
        "{{ delete_vanished_transactions(ref('fct_orders')) }}",
    ],
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by transaction_id: the ids of
    slv_transaction_lines and fct_orders rows written since this model's last batch, and those
    with a line whose product category changed since it was stored. The rows of each batch are
    read by their stamp (a filter the scan prunes with; every row of an id written is stamped);
    the ids in one batch and not the other, and those of a category change, are looked up by
    id, only when there are any. Join sides pinned in incremental runs
    (macros/join_sides.sql): DuckDB built its hash table from all 30M order lines to probe it
    with the affected ids (10.7 s and 1.4 GB spilled at a 1.2 GB limit after a 1,000-request
    erasure; pinned 2.8 s, nothing spilled).
    Of the affected orders, only those whose lines differ from the stored ones are written
    (`changed_orders`), so an unchanged line keeps its stamp: an erasure re-stamps the
    orders of every erased customer (their addresses and `is_customer_erased` change, none of
    the columns here), and every model that reads this one by stamp rebuilt all 30 days of
    them (the two day-keyed marts: ~19 s of a 1,000-subject erasure refresh at 10M lines).
-#}

{%- set line_columns = [
    'transaction_id', 'line_position', 'customer_id', 'order_date', 'delivery_country', 'sku',
    'product_category', 'quantity', 'unit_price', 'line_total', 'catalogue_price',
    'is_product_quarantined', 'is_catalogue_price_mismatch',
] -%}
{%- set watermark, other_ids, any_other = none, none, false -%}
{%- if is_incremental() %}
    {%- set watermark = batch_watermark_literal() -%}
    {%- set other_ids -%}
        with batch_line_ids as (
            select transaction_id from {{ ref('slv_transaction_lines') }}
            where _batch_at > {{ watermark }}
        ),

        batch_order_ids as (
            select transaction_id from {{ ref('fct_orders') }}
            where _batch_at > {{ watermark }}
        ),

        stored_categories as (
            select distinct
                sku,
                product_category
            from {{ this }}
        ),

        products as (
            select * from {{ ref('dim_products') }}
        ),

        changed_skus as (
            select stored_categories.sku
            from stored_categories
            left join products
                on stored_categories.sku = products.sku
            where stored_categories.product_category is distinct from products.category
        ),

        recategorized_ids as (
            select stored.transaction_id
            from {{ this }} as stored
            inner join changed_skus
                on stored.sku = changed_skus.sku
        ),

        lines_only as (
            select transaction_id from batch_line_ids
            except
            select transaction_id from batch_order_ids
        ),

        orders_only as (
            select transaction_id from batch_order_ids
            except
            select transaction_id from batch_line_ids
        )

        select transaction_id from lines_only
        union
        select transaction_id from orders_only
        union
        select transaction_id from recategorized_ids
    {%- endset -%}
    {%- set any_other = returns_rows(other_ids) -%}
{%- endif %}

-- depends_on: {{ ref('int_transactions__checked') }}
with transaction_lines as (
    {{ stamped_rows(
        ref('slv_transaction_lines'), watermark, ids=other_ids, look_up=any_other
    ) | indent(4) }}
),

orders as (
    {{ stamped_rows(ref('fct_orders'), watermark, ids=other_ids, look_up=any_other) | indent(4) }}
),

products as (
    select * from {{ ref('dim_products') }}
),

order_lines as (
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
),

{% if is_incremental() %}
    written_orders as (
        select distinct
            transaction_id,
            order_date
        from order_lines
    ),

    stored_lines as (
        -- the columns of order_lines, in its order (the set operations below pair them by
        -- position); an order's lines share its day: the days prune the scan to the days written
        select
            {{ line_columns | join(',\n            ') }}
        from {{ this }}
        where
            transaction_id in (select written_orders.transaction_id from written_orders)
            and order_date in (select written_orders.order_date from written_orders)
    ),

    added_lines as (
        select * from order_lines
        except
        select * from stored_lines
    ),

    removed_lines as (
        select * from stored_lines
        except
        select * from order_lines
    ),

    changed_orders as (
        select transaction_id from added_lines
        union
        select transaction_id from removed_lines
    ),

{% endif %}
final as (
    select
        order_lines.*,
        {{ batch_marker() }} as _batch_at
    from order_lines
    {%- if is_incremental() %}
        where order_lines.transaction_id in (
            select changed_orders.transaction_id from changed_orders
        )
    {%- endif %}
)

select * from final
