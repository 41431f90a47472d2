{{ config(materialized='table') }}

{#-
    Every clickstream message, validated, erasure applied and classified: the single pass the
    events, their quarantine, the user-agent lookup and the erasure targets read. _row_status:
      quarantined  breaks a rule (macros/rules/clickstream.sql), _errors says which
      current      the first delivery of its event_id (lowest partition, then offset)
      duplicate    a later delivery of an event_id already seen (producer retry)
    An event is erased when it names an erased customer or the erasure finaliser anonymized it
    ("_erased": true): customer_id and search_query are null, url and referrer lose their query
    string (newsletter links carry the customer id there).
-#}

with events as (
    select * from {{ ref('brz_clickstream') }}
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
        erased_ids.customer_id is not null or coalesce(events._erased, false) as is_erased
    from events
    left join erased_ids
        on {{ normalized_customer_id('events.customer_id') }} = erased_ids.customer_id
),

validated as (
    select
        *,
        {{ record_errors(clickstream_rules()) }} as _errors
    from flagged
),

ranked as (
    -- de-duplication on event_id: the first delivery (lowest partition, then offset) counts
    select
        *,
        {{ list_size('_errors') }} = 0 as _is_valid,
        row_number() over (
            partition by {{ list_size('_errors') }} = 0, trim(event_id)
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
        _partition_hour,
        _ingested_at,
        {{ row_status('_is_valid', '_delivery_rank') }} as _row_status,
        _errors,
        is_erased,
        nullif(trim(event_id), '') as event_id,
        nullif(trim(event_type), '') as event_type,
        event_time,
        nullif(trim(session_id), '') as session_id,
        {{ erased_as_null(normalized_customer_id('customer_id')) }} as customer_id,
        case
            when is_erased then {{ clickstream_url_without_query("nullif(trim(url), '')") }}
            else nullif(trim(url), '')
        end as url,
        case
            when is_erased then {{ clickstream_url_without_query("nullif(trim(referrer), '')") }}
            else nullif(trim(referrer), '')
        end as referrer,
        nullif(trim(user_agent), '') as user_agent,
        nullif(trim(product_sku), '') as product_sku,
        {{ erased_as_null("nullif(trim(search_query), '')") }} as search_query,
        nullif(trim(order_id), '') as order_id,
        case when not _is_valid and not is_erased then record end as record
    from ranked
)

select * from final
