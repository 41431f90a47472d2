{{ config(materialized='table') }}

{#-
    Every orders_cdc message, validated, erasure applied and classified: the single pass the
    order history, its quarantine and the erasure targets read. _row_status:
      quarantined  breaks a rule (macros/rules/orders_cdc.sql), _errors says which
      current      the first delivery of its change_id (lowest partition, offset)
      duplicate    a later delivery of a change_id already seen (producer retry)
      tombstone    a null value (the compaction marker after a delete): carries nothing
    An order is erased when any of its messages names an erased customer or was anonymized by
    the erasure finaliser ("_erased": true); all its rows then lose the customer link.
-#}

with events as (
    select * from {{ ref('brz_orders_cdc') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

erased_ids as (
    select distinct customer_id from erased_customers
),

flagged as (
    select
        events.*,
        events.record is null as _is_tombstone,
        coalesce(nullif(trim(events.order_id), ''), events._kafka_key) as _order_key,
        erased_ids.customer_id is not null or coalesce(events._erased, false) as _is_event_erased
    from events
    left join erased_ids
        on {{ normalized_customer_id('events.customer_id') }} = erased_ids.customer_id
),

validated as (
    select
        *,
        case
            when _is_tombstone then {{ empty_string_list() }}
            else {{ record_errors(
                orders_cdc_rules(), 'coalesce(_erased, false)', ['customer_id']
            ) }}
        end as _errors,
        max(case when _is_event_erased then 1 else 0 end) over (
            partition by _order_key
        ) = 1 as is_erased
    from flagged
),

ranked as (
    -- de-duplication on change_id: the first delivery (lowest partition, offset) counts
    select
        *,
        not _is_tombstone and {{ list_size('_errors') }} = 0 as _is_valid,
        row_number() over (
            partition by not _is_tombstone and {{ list_size('_errors') }} = 0, trim(change_id)
            order by _kafka_partition asc, _kafka_offset asc
        ) as _delivery_rank
    from validated
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
        case
            when _is_tombstone then 'tombstone'
            else {{ row_status('_is_valid', '_delivery_rank') }}
        end as _row_status,
        _errors,
        is_erased,
        nullif(trim(change_id), '') as change_id,
        nullif(trim(op), '') as op,
        _order_key as order_id,
        ts as changed_at,
        nullif(trim(status), '') as status,
        amount,
        nullif(trim(currency), '') as currency,
        {{ erased_as_null(normalized_customer_id('customer_id')) }} as customer_id,
        case when not _is_valid and not is_erased then record end as record
    from ranked
)

select * from final
