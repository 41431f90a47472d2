{{ config(
    materialized='incremental',
    unique_key='transaction_id',
    post_hook="{{ delete_vanished_transactions(ref('slv_transactions')) }}",
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by transaction_id: the ids of
    slv_transactions and slv_transaction_lines rows written since this model's last batch.
-#}

-- depends_on: {{ ref('int_transactions__checked') }}
with all_transactions as (
    select * from {{ ref('slv_transactions') }}
),

all_transaction_lines as (
    select * from {{ ref('slv_transaction_lines') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_transactions as (
        {{ keys_written_since_last_batch(ref('slv_transactions'), 'transaction_id') }}
    ),

    new_transaction_lines as (
        {{ keys_written_since_last_batch(ref('slv_transaction_lines'), 'transaction_id') }}
    ),

    affected_ids as (
        select transaction_id from new_transactions
        union
        select transaction_id from new_transaction_lines
    ),

{% endif %}
transactions as (
    select * from all_transactions
    {{ only_affected('transaction_id') }}
),

transaction_lines as (
    select * from all_transaction_lines
    {{ only_affected('transaction_id') }}
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
            as has_quarantined_product,
        {{ batch_marker() }} as _batch_at
    from transactions
    left join units_per_order
        on transactions.transaction_id = units_per_order.transaction_id
)

select * from final
