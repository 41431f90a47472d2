{#-
    The clickstream: one row per event (de-duplicated on event_id: its first delivery), valid
    events only, enriched with the event's category (macros/rules/clickstream.sql) and the
    device type, browser and OS of its user agent (int_clickstream__user_agents). Erased
    customers' events keep no customer link (customer_id null, is_erased true).
-#}

with checked as (
    select * from {{ ref('int_clickstream__checked') }}
),

user_agents as (
    select * from {{ ref('int_clickstream__user_agents') }}
),

current_events as (
    select * from checked
    where _row_status = 'current'
),

final as (
    select
        current_events.event_id,
        current_events.event_type,
        {{ clickstream_event_category('current_events.event_type') }} as event_category,
        current_events.event_time,
        current_events.session_id,
        current_events.customer_id,
        current_events.is_erased,
        current_events.url,
        current_events.referrer,
        current_events.product_sku,
        current_events.search_query,
        current_events.order_id,
        current_events.user_agent,
        coalesce(user_agents.device_type, 'unknown') as device_type,
        user_agents.browser,
        user_agents.browser_version,
        user_agents.os,
        user_agents.os_family,
        user_agents.device_brand,
        user_agents.device_model,
        coalesce(user_agents.is_bot, false) as is_bot,
        current_events._kafka_topic,
        current_events._kafka_partition,
        current_events._kafka_offset,
        current_events._kafka_timestamp,
        current_events._partition_date,
        current_events._ingested_at
    from current_events
    left join user_agents
        on current_events.user_agent = user_agents.user_agent
)

select * from final
