with transactions as (
    select * from {{ ref('slv_transactions') }}
),

transaction_lines as (
    select * from {{ ref('slv_transaction_lines') }}
),

units_per_order as (
    select
        transaction_id,
        sum(quantity) as item_count
    from transaction_lines
    group by transaction_id
),

final as (
    select
        {{ gold_cast('transactions.transaction_id', 'string') }} as transaction_id,
        {{ gold_cast('transactions.customer_id', 'string') }} as customer_id,
        {{ gold_cast('transactions.transaction_time', 'timestamp') }} as transaction_time,
        {{ gold_date_of('transactions.transaction_time') }} as order_date,
        {{ gold_cast('transactions.delivery_country', 'string') }} as delivery_country,
        {{ gold_cast('transactions.line_count', 'bigint') }} as line_count,
        {{ gold_cast('coalesce(units_per_order.item_count, 0)', 'bigint') }} as item_count,
        {{ gold_cast('transactions.total_cost', 'money') }} as order_total,
        {{ gold_cast('transactions.is_erased', 'boolean') }} as is_customer_erased,
        {{ gold_cast('transactions.is_customer_quarantined', 'boolean') }}
            as is_customer_quarantined,
        {{ gold_cast('transactions.has_quarantined_product', 'boolean') }}
            as has_quarantined_product
    from transactions
    left join units_per_order
        on transactions.transaction_id = units_per_order.transaction_id
)

select * from final
