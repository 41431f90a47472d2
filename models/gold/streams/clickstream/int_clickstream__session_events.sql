{{ config(materialized='ephemeral') }}

{#-
    Every valid clickstream event with its gold session (the 30-minute inactivity rule): the
    events of a session id, in time order, start a new session when more than 30 minutes
    passed since the previous one. session_number counts the sessions of a session id from 1;
    session_key is '<session_id>#<session_number>'.
-#}

with events as (
    select * from {{ ref('slv_clickstream_events') }}
),

ordered as (
    select
        *,
        lag(event_time) over (
            partition by session_id order by event_time asc, event_id asc
        ) as previous_event_time
    from events
),

flagged as (
    select
        *,
        case
            when {{ clickstream_starts_session('previous_event_time', 'event_time') }} then 1
            else 0
        end as is_session_start
    from ordered
),

numbered as (
    select
        *,
        sum(is_session_start) over (
            partition by session_id
            order by event_time asc, event_id asc
            rows between unbounded preceding and current row
        ) as session_number
    from flagged
),

final as (
    select
        session_id || '#' || cast(session_number as {{ sql_type('text') }}) as session_key,
        session_id,
        session_number,
        is_session_start,
        event_id,
        event_type,
        event_time,
        customer_id,
        is_erased,
        url,
        referrer,
        order_id,
        device_type,
        browser,
        os,
        os_family,
        is_bot
    from numbered
)

select * from final
