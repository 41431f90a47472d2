with checked as (
    select * from {{ ref('int_customers__checked') }}
),

final as (
    select
        customer_id,
        first_name,
        last_name,
        email,
        phone_number,
        date_of_birth,
        address,
        postcode,
        city,
        country,
        segment,
        last_change,
        is_erased,
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
