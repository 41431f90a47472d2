{{ config(
    materialized='incremental',
    unique_key='transaction_id',
    post_hook="{{ delete_vanished_transactions(
        ref('int_transactions__checked'), status='current'
    ) }}",
) }}

{#-
    Incremental (macros/incremental.sql), delete+insert by transaction_id. Affected ids: those
    of int_transactions__checked rows written since this model's last batch, of stored rows
    whose customer was quarantined and now has a valid version, and of stored rows with a
    quarantined product none of whose lines has one any more (a product can only turn valid).
    Re-checking every stored row with a quarantined product instead rewrote ~100k transactions
    from every day in each refresh at 10M lines, and so every day of the daily marts.
-#}

{#- bronze rows with a line whose product is in bronze but has no valid version (unknown ones
    are errors), keyed by file hash and line number (macros/lineage.sql): from all lines, here
    and in the look-up of reopened ids below -#}
{%- set quarantined_product_lines_query -%}
    select distinct
        {{ lineage_file_hash('transaction_lines') }} as _file_hash,
        transaction_lines._line_number
    from {{ ref('int_transaction_lines') }} as transaction_lines
    left join {{ ref('slv_products') }} as products
        on transaction_lines.sku = products.sku
    where transaction_lines.is_known_product and products.sku is null
{%- endset -%}

{%- set watermark, reopened_ids, any_reopened = none, none, false -%}
{%- if is_incremental() %}
    {%- set watermark = batch_watermark_literal() -%}
    {#- stored ids whose customer or product became valid: looked up by id only when there are
        any (macros/incremental.sql, returns_rows) -#}
    {%- set reopened_ids -%}
        with previous_flagged as (
            select * from {{ this }}
            where has_quarantined_product or is_customer_quarantined
        ),

        quarantined_product_lines as (
            {{ quarantined_product_lines_query }}
        ),

        customers as (
            select * from {{ ref('slv_customers') }}
        )

        select previous_flagged.transaction_id
        from previous_flagged
        left join quarantined_product_lines
            on {{ lineage_match(
                'previous_flagged', 'quarantined_product_lines', right_hashed=true
            ) }}
        where
            (
                previous_flagged.has_quarantined_product
                and quarantined_product_lines._line_number is null
            )
            or (
                previous_flagged.is_customer_quarantined
                and previous_flagged.customer_id in (select customers.customer_id from customers)
            )
    {%- endset -%}
    {%- set any_reopened = returns_rows(reopened_ids) -%}
{%- endif %}

-- the current rows; in an incremental run those written since this model's last batch (an
-- upstream batch stamps every row of the ids it wrote) and the reopened ones
with current_transactions as (
    {{ stamped_rows(
        ref('int_transactions__checked'), watermark, ids=reopened_ids, look_up=any_reopened,
        where="_row_status = 'current'"
    ) | indent(4) }}
),

customers as (
    select * from {{ ref('slv_customers') }}
),

quarantined_product_lines as (
    -- read from all lines so that current_transactions is read once (a CTE read twice is
    -- materialized; this one is small)
    {{ quarantined_product_lines_query | indent(4) }}
),

flagged as (
    select
        current_transactions.*,
        customers.customer_id is null as is_customer_quarantined,
        quarantined_product_lines._line_number is not null as has_quarantined_product
    from current_transactions
    left join customers
        on current_transactions.customer_id = customers.customer_id
    left join quarantined_product_lines
        on {{ lineage_match(
            'current_transactions', 'quarantined_product_lines', right_hashed=true
        ) }}
),

final as (
    select
        transaction_id,
        transaction_time,
        customer_id,
        delivery_address,
        delivery_postcode,
        delivery_city,
        delivery_country,
        total_cost,
        line_count,
        is_erased,
        is_customer_quarantined,
        has_quarantined_product,
        _source_file,
        _file_sha256,
        _line_number,
        _partition_date,
        _partition_hour,
        _ingested_at,
        _source_type,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        {{ batch_marker() }} as _batch_at
    from flagged
)

select * from final
