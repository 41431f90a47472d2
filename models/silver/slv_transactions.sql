with checked as (
    select * from {{ ref('int_transactions__checked') }}
),

transaction_lines as (
    select * from {{ ref('int_transaction_lines') }}
),

customers as (
    select * from {{ ref('slv_customers') }}
),

products as (
    select * from {{ ref('slv_products') }}
),

current_transactions as (
    select * from checked
    where _row_status = 'current'
),

quarantined_product_lines as (
    -- lines whose product is in bronze but has no valid version (unknown ones are errors)
    select distinct
        transaction_lines._source_file,
        transaction_lines._file_sha256,
        transaction_lines._line_number
    from transaction_lines
    left join products
        on transaction_lines.sku = products.sku
    where products.sku is null
),

flagged as (
    select
        current_transactions.*,
        customers.customer_id is null as is_customer_quarantined,
        quarantined_product_lines._line_number is not null as has_quarantined_product
    from current_transactions
    left join customers
        on current_transactions.customer_id = customers.customer_id
    left join quarantined_product_lines
        on
            current_transactions._source_file = quarantined_product_lines._source_file
            and current_transactions._file_sha256 = quarantined_product_lines._file_sha256
            and current_transactions._line_number = quarantined_product_lines._line_number
),

final as (
    select
        transaction_id,
        transaction_time,
        customer_id,
        delivery_address,
        delivery_postcode,
        delivery_city,
        delivery_country,
        total_cost,
        line_count,
        is_erased,
        is_customer_quarantined,
        has_quarantined_product,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _partition_hour,
        _ingested_at,
        _source_type,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset
    from flagged
)

select * from final
