with checked as (
    select * from {{ ref('int_products__checked') }}
),

final as (
    select
        sku,
        product_name,
        price,
        category,
        popularity,
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
    from checked
    where _row_status = 'current'
)

select * from final
