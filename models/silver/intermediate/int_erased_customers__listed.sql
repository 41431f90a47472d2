{{ config(
    materialized='incremental',
    enabled=target_is('duckdb'),
) }}

{#-
    When each erased customer id was first listed: the newest bronze load among the rows that
    decide who is erased (customers, erasure requests, transactions) at the first build that
    found the id erased, as a customer (int_erased_customers) or through an erased transaction
    (an id a request names by its hash, with no customer line). slv_erasure_targets reads it to
    tell the ids a finalised build has already erased (listed no later than that build's last
    load) from the ids erased since, whose every bronze row it compares (macros/erasure_scope.sql).
    Incremental, append only: an id keeps its first stamp. DuckDB only, like that work list.
-#}

with erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

checked_transactions as (
    select * from {{ ref('int_transactions__checked') }}
),

customer_keys as (
    select * from {{ ref('brz_customer_keys') }}
),

erasure_requests as (
    select * from {{ ref('brz_erasure_requests') }}
),

deciding_loads as (
    select _dlt_load_id from customer_keys
    union all
    select _dlt_load_id from erasure_requests
    union all
    select _dlt_load_id from checked_transactions
),

newest_load as (
    select max(_dlt_load_id) as load_id from deciding_loads
),

erased_ids as (
    select customer_id from erased_customers
    union
    select customer_id from checked_transactions
    where is_erased and customer_id is not null
),

unlisted_ids as (
    select customer_id from erased_ids
    {%- if is_incremental() %}
        where customer_id not in (select listed.customer_id from {{ this }} as listed)
    {%- endif %}
),

final as (
    select
        unlisted_ids.customer_id,
        newest_load.load_id as listed_through_load_id,
        {{ batch_marker() }} as _batch_at
    from unlisted_ids
    cross join newest_load
)

select * from final
