{#-
    The erasure finaliser's work list for the orders_cdc topic (unioned into
    slv_erasure_targets): every valid JSON message of an erased order (int_orders_cdc__checked)
    that still differs from its anonymized value: customer_id set to JSON null and
    "_erased": true (kept so silver still knows the order is erased). Messages already
    rewritten drop out. DuckDB only (the finaliser rewrites the DuckDB warehouse).
-#}
{{ config(materialized='table', enabled=target_is('duckdb')) }}

with bronze_events as (
    select * from {{ ref('brz_orders_cdc') }}
),

checked as (
    select * from {{ ref('int_orders_cdc__checked') }}
),

erased_events as (
    select
        'kafka_orders_cdc' as bronze_table,
        bronze_events._kafka_topic,
        bronze_events._kafka_partition,
        bronze_events._kafka_offset,
        bronze_events.record,
        {{ json_with_nulls('bronze_events.record', ['customer_id']) }} as anonymized_record
    from bronze_events
    inner join checked
        on
            bronze_events._kafka_topic = checked._kafka_topic
            and bronze_events._kafka_partition = checked._kafka_partition
            and bronze_events._kafka_offset = checked._kafka_offset
    where bronze_events._is_valid_json and checked.is_erased
),

final as (
    -- the clear record is compared, never stored: this table outlives the finaliser's run
    select
        bronze_table,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        anonymized_record
    from erased_events
    where record <> anonymized_record
)

select * from final
