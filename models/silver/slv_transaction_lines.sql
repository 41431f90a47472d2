{{ config(
    materialized='incremental',
    unique_key='transaction_id',
    post_hook="{{ delete_vanished_transactions(ref('slv_transactions')) }}",
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by transaction_id. Affected ids: those
    of slv_transactions rows written since this model's last batch (read by the stamp, a filter
    the scan prunes with), and those with a line whose product changed in the catalogue (price,
    or valid / quarantined) since it was stored (looked up by id, only when there are any).
-#}

{%- set watermark, repriced_ids, any_repriced = none, none, false -%}
{%- if is_incremental() %}
    {%- set watermark = batch_watermark_literal() -%}
    {%- set repriced_ids -%}
        with stored_products as (
            select distinct
                sku,
                catalogue_price,
                is_product_quarantined
            from {{ this }}
        ),

        products as (
            select * from {{ ref('slv_products') }}
        ),

        changed_skus as (
            select stored_products.sku
            from stored_products
            left join products
                on stored_products.sku = products.sku
            where
                stored_products.is_product_quarantined <> (products.sku is null)
                or stored_products.catalogue_price is distinct from products.price
        )

        select stored.transaction_id
        from {{ this }} as stored
        inner join changed_skus
            on stored.sku = changed_skus.sku
    {%- endset -%}
    {%- set any_repriced = returns_rows(repriced_ids) -%}
{%- endif %}

-- depends_on: {{ ref('int_transactions__checked') }}
with scoped_transactions as (
    {{ stamped_rows(
        ref('slv_transactions'), watermark, ids=repriced_ids, look_up=any_repriced
    ) | indent(4) }}
),

transaction_lines as (
    select * from {{ ref('int_transaction_lines') }}
),

products as (
    select * from {{ ref('slv_products') }}
),

current_lines as (
    -- the lines of the bronze row each silver transaction was taken from
    select
        scoped_transactions.transaction_id,
        scoped_transactions.transaction_time,
        transaction_lines.line_position,
        transaction_lines.sku,
        transaction_lines.quantity,
        transaction_lines.price,
        transaction_lines.line_total,
        -- lineage from the (probe side) lines: the hash table keeps only id, time and key
        transaction_lines._source_file,
        transaction_lines._file_sha256,
        transaction_lines._line_number
    from scoped_transactions
    inner join transaction_lines
        on {{ lineage_match('scoped_transactions', 'transaction_lines') }}
),

priced as (
    select
        current_lines.*,
        products.price as catalogue_price,
        products.sku is null as is_product_quarantined,
        coalesce(current_lines.price <> products.price, false) as is_catalogue_price_mismatch
    from current_lines
    left join products
        on current_lines.sku = products.sku
),

final as (
    select
        transaction_id,
        line_position,
        transaction_time,
        sku,
        quantity,
        price,
        line_total,
        catalogue_price,
        is_product_quarantined,
        is_catalogue_price_mismatch,
        _source_file,
        _file_sha256,
        _line_number,
        {{ batch_marker() }} as _batch_at
    from priced
)

select * from final
