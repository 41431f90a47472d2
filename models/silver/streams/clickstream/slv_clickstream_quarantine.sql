{#- Every clickstream message that breaks a rule, with the rules it broke (_errors) and the raw
    value (record; null for erased customers), so it can be fixed at the source. -#}

with checked as (
    select * from {{ ref('int_clickstream__checked') }}
),

final as (
    select
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        _kafka_timestamp,
        _kafka_key,
        _partition_date,
        _partition_hour,
        _ingested_at,
        _errors,
        is_erased,
        event_id,
        event_type,
        session_id,
        customer_id,
        record
    from checked
    where _row_status = 'quarantined'
)

select * from final
