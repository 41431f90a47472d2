{{ config(
    materialized='incremental',
    unique_key='transaction_id',
    post_hook="{{ delete_vanished_transactions(ref('slv_transactions')) }}",
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by transaction_id: the ids of
    slv_transactions and slv_transaction_lines rows written since this model's last batch.
    Each is read by its stamp (a filter the scan prunes with): slv_transaction_lines rewrites
    every line of an id it writes, and every id of a slv_transactions batch. A transaction or
    its lines missing from the other's batch (lines repriced by a catalogue change; an order
    without lines) are looked up by id, only when there are any.
-#}

{%- set watermark, lines_only_ids, transactions_only_ids = none, none, none -%}
{%- set any_lines_only, any_transactions_only = false, false -%}
{%- if is_incremental() %}
    {%- set watermark = batch_watermark_literal() -%}
    {%- set lines_only_ids -%}
        select transaction_id from {{ ref('slv_transaction_lines') }}
        where _batch_at > {{ watermark }}
        except
        select transaction_id from {{ ref('slv_transactions') }}
        where _batch_at > {{ watermark }}
    {%- endset -%}
    {%- set transactions_only_ids -%}
        select transaction_id from {{ ref('slv_transactions') }}
        where _batch_at > {{ watermark }}
        except
        select transaction_id from {{ ref('slv_transaction_lines') }}
        where _batch_at > {{ watermark }}
    {%- endset -%}
    {%- set any_lines_only = returns_rows(lines_only_ids) -%}
    {%- set any_transactions_only = returns_rows(transactions_only_ids) -%}
{%- endif %}

-- depends_on: {{ ref('int_transactions__checked') }}
with transactions as (
    {{ stamped_rows(
        ref('slv_transactions'), watermark, ids=lines_only_ids, look_up=any_lines_only
    ) | indent(4) }}
),

transaction_lines as (
    {{ stamped_rows(
        ref('slv_transaction_lines'), watermark,
        ids=transactions_only_ids, look_up=any_transactions_only
    ) | indent(4) }}
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
