{#-
    Current state per order: the current version of each order in the history
    (slv_order_changes), deleted orders absent. customer_id is null for erased customers.
-#}

with order_changes as (
    select * from {{ ref('slv_order_changes') }}
),

order_summary as (
    select
        order_id,
        min(valid_from) as created_at,
        count(*) as version_count
    from order_changes
    group by order_id
),

current_versions as (
    select * from order_changes
    where is_current
),

final as (
    select
        current_versions.order_id,
        current_versions.status,
        current_versions.amount,
        current_versions.currency,
        current_versions.customer_id,
        current_versions.is_erased,
        order_summary.created_at,
        current_versions.valid_from as updated_at,
        current_versions.change_id as last_change_id,
        order_summary.version_count
    from current_versions
    inner join order_summary
        on current_versions.order_id = order_summary.order_id
)

select * from final
