{{ config(
    materialized='incremental',
    unique_key='transaction_id',
    post_hook="{{ delete_vanished_transactions(ref('slv_transactions')) }}",
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by transaction_id. Affected ids: those
    of slv_transactions rows written since this model's last batch, and those with a line whose
    product changed in the catalogue (price, or valid / quarantined) since it was stored.
-#}

-- depends_on: {{ ref('int_transactions__checked') }}
with transactions as (
    select * from {{ ref('slv_transactions') }}
),

transaction_lines as (
    select * from {{ ref('int_transaction_lines') }}
),

products as (
    select * from {{ ref('slv_products') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_transactions as (
        {{ keys_written_since_last_batch(ref('slv_transactions'), 'transaction_id') }}
    ),

    stored_lines as (
        select * from {{ this }}
    ),

    previous as (
        select * from {{ this }}
    ),

    stored_products as (
        select distinct
            sku,
            catalogue_price,
            is_product_quarantined
        from stored_lines
    ),

    changed_skus as (
        select stored_products.sku
        from stored_products
        left join products
            on stored_products.sku = products.sku
        where
            stored_products.is_product_quarantined <> (products.sku is null)
            or stored_products.catalogue_price is distinct from products.price
    ),

    affected_ids as (
        select transaction_id from new_transactions
        union
        select previous.transaction_id
        from previous
        inner join changed_skus
            on previous.sku = changed_skus.sku
    ),

{% endif %}
current_lines as (
    -- the lines of the bronze row each silver transaction was taken from
    select
        transactions.transaction_id,
        transactions.transaction_time,
        transaction_lines.line_position,
        transaction_lines.sku,
        transaction_lines.quantity,
        transaction_lines.price,
        transaction_lines.line_total,
        -- lineage from the (probe side) lines: the hash table keeps only id, time and key
        transaction_lines._source_file,
        transaction_lines._file_sha256,
        transaction_lines._line_number
    from transactions
    inner join transaction_lines
        on {{ lineage_match('transactions', 'transaction_lines') }}
    {{ only_affected('transactions.transaction_id') }}
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
