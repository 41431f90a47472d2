with checked as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

final as (
    select
        _source_file,
        _line_number,
        _file_sha256,
        _partition_date,
        _partition_hour,
        _ingested_at,
        _source_type,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        _errors,
        record
    from checked
    where _row_status = 'quarantined'
)

select * from final
