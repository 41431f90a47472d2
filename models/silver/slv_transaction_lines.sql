with transactions as (
    select * from {{ ref('slv_transactions') }}
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
        transactions.transaction_id,
        transactions.transaction_time,
        transaction_lines.line_position,
        transaction_lines.sku,
        transaction_lines.quantity,
        transaction_lines.price,
        transaction_lines.line_total,
        transactions._source_file,
        transactions._file_sha256,
        transactions._line_number
    from transactions
    inner join transaction_lines
        on
            transactions._source_file = transaction_lines._source_file
            and transactions._file_sha256 = transaction_lines._file_sha256
            and transactions._line_number = transaction_lines._line_number
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
        _line_number
    from priced
)

select * from final
