{#-
    One row per order of the CDC stream (deleted orders included): when it first entered each
    status, the hours from creation to each, its final values and whether it was deleted.
    customer_id is null for erased customers (silver anonymized it).
-#}

with order_changes as (
    select * from {{ ref('slv_order_changes') }}
),

status_times as (
    select
        order_id,
        max(version_number) as version_count,
        min(case when status = 'created' and not is_deleted then valid_from end) as created_at,
        min(case when status = 'paid' and not is_deleted then valid_from end) as paid_at,
        min(case when status = 'shipped' and not is_deleted then valid_from end) as shipped_at,
        min(case when status = 'delivered' and not is_deleted then valid_from end)
            as delivered_at,
        min(case when status = 'cancelled' and not is_deleted then valid_from end)
            as cancelled_at,
        min(case when is_deleted then valid_from end) as deleted_at
    from order_changes
    group by order_id
),

last_versions as (
    select
        order_changes.order_id,
        order_changes.customer_id,
        order_changes.is_erased,
        order_changes.status,
        order_changes.is_deleted,
        order_changes.amount,
        order_changes.currency
    from order_changes
    inner join status_times
        on
            order_changes.order_id = status_times.order_id
            and order_changes.version_number = status_times.version_count
),

final as (
    select
        {{ gold_cast('last_versions.order_id', 'string') }} as order_id,
        {{ gold_cast('last_versions.customer_id', 'string') }} as customer_id,
        {{ gold_cast('last_versions.is_erased', 'boolean') }} as is_customer_erased,
        {{ gold_cast('last_versions.status', 'string') }} as final_status,
        {{ gold_cast('last_versions.is_deleted', 'boolean') }} as is_deleted,
        {{ gold_cast('last_versions.amount', 'money') }} as amount,
        {{ gold_cast('last_versions.currency', 'string') }} as currency,
        {{ gold_cast('status_times.version_count', 'bigint') }} as change_count,
        {{ gold_cast('status_times.created_at', 'timestamp') }} as created_at,
        {{ gold_cast('status_times.paid_at', 'timestamp') }} as paid_at,
        {{ gold_cast('status_times.shipped_at', 'timestamp') }} as shipped_at,
        {{ gold_cast('status_times.delivered_at', 'timestamp') }} as delivered_at,
        {{ gold_cast('status_times.cancelled_at', 'timestamp') }} as cancelled_at,
        {{ gold_cast('status_times.deleted_at', 'timestamp') }} as deleted_at,
        {{ gold_cast(
            order_hours_between('status_times.created_at', 'status_times.paid_at'), 'double'
        ) }} as hours_to_paid,
        {{ gold_cast(
            order_hours_between('status_times.created_at', 'status_times.shipped_at'), 'double'
        ) }} as hours_to_shipped,
        {{ gold_cast(
            order_hours_between('status_times.created_at', 'status_times.delivered_at'), 'double'
        ) }} as hours_to_delivered,
        {{ gold_cast(
            order_hours_between('status_times.created_at', 'status_times.cancelled_at'), 'double'
        ) }} as hours_to_cancelled
    from last_versions
    inner join status_times
        on last_versions.order_id = status_times.order_id
)

select * from final
