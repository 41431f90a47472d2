with checked as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

final as (
    select
        subject_key,
        subject_id_hash,
        subject_email_hash,
        is_resolved,
        _partition_date,
        _partition_hour,
        _source_file,
        _file_sha256,
        _line_number,
        _ingested_at,
        _source_type,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset
    from checked
    where _row_status = 'current'
)

select * from final
