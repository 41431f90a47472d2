{#-
    One row per orders_cdc message that breaks a rule (macros/rules/orders_cdc.sql), with the
    reasons and the raw value (null for messages of erased customers: they hold the link).
-#}

with checked as (
    select * from {{ ref('int_orders_cdc__checked') }}
),

final as (
    select
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        _kafka_timestamp,
        _kafka_key,
        _partition_date,
        _ingested_at,
        _errors,
        change_id,
        order_id,
        is_erased,
        record
    from checked
    where _row_status = 'quarantined'
)

select * from final
