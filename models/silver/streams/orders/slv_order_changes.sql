{#-
    The order history (SCD type 2): one row per distinct change event (de-duplicated on
    change_id), versions numbered per order in partition and offset order (the commit order:
    all changes of an order share a partition). valid_from is the change's commit time,
    valid_to the next version's (null for the last one); is_current marks the last version of
    an order that is not deleted. A delete is a version of its own (is_deleted) that ends the
    history: never current, deleted orders stay here. A delete carrying only its key inherits
    the order's last values.
-#}

with checked as (
    select * from {{ ref('int_orders_cdc__checked') }}
),

changes as (
    select * from checked
    where _row_status = 'current'
),

ordered as (
    select
        *,
        row_number() over (
            partition by order_id order by _kafka_partition asc, _kafka_offset asc
        ) as version_number,
        lag(status) over (
            partition by order_id order by _kafka_partition asc, _kafka_offset asc
        ) as previous_status,
        lag(amount) over (
            partition by order_id order by _kafka_partition asc, _kafka_offset asc
        ) as previous_amount,
        lag(currency) over (
            partition by order_id order by _kafka_partition asc, _kafka_offset asc
        ) as previous_currency,
        lag(customer_id) over (
            partition by order_id order by _kafka_partition asc, _kafka_offset asc
        ) as previous_customer_id,
        lead(changed_at) over (
            partition by order_id order by _kafka_partition asc, _kafka_offset asc
        ) as next_changed_at
    from changes
),

versions as (
    select
        *,
        op = 'd' as is_deleted,
        next_changed_at is null and op <> 'd' as is_current,
        case when op = 'd' then coalesce(status, previous_status) else status end
            as version_status,
        case when op = 'd' then coalesce(amount, previous_amount) else amount end
            as version_amount,
        case
            when op = 'd' then coalesce(currency, previous_currency) else currency
        end as version_currency,
        case
            when op = 'd' then coalesce(customer_id, previous_customer_id) else customer_id
        end as version_customer_id
    from ordered
),

final as (
    select
        change_id,
        order_id,
        version_number,
        op,
        is_deleted,
        version_status as status,
        previous_status,
        version_amount as amount,
        version_currency as currency,
        version_customer_id as customer_id,
        is_erased,
        changed_at,
        changed_at as valid_from,
        next_changed_at as valid_to,
        is_current,
        _kafka_partition,
        _kafka_offset,
        _kafka_timestamp
    from versions
)

select * from final
