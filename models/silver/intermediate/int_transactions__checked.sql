{{ config(materialized='table') }}

{#-
    Every bronze transactions row, validated (its own rules and its lines'), erasure applied and
    classified (quarantined / current / duplicate): the single pass that slv_transactions, its
    quarantine, the lines, the reconciliation and the erasure audit read. Delivery address,
    postcode and city of erased subjects are already null here.
-#}

with transactions as (
    select * from {{ ref('brz_transactions') }}
),

transaction_lines as (
    select * from {{ ref('int_transaction_lines') }}
),

customers as (
    select * from {{ ref('brz_customers') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

erasure_requests as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

known_customers as (
    select distinct {{ normalized_customer_id('id') }} as customer_id
    from customers
    where {{ normalized_customer_id('id') }} is not null
),

erased_ids as (
    select distinct customer_id from erased_customers
),

erased_id_hashes as (
    -- subjects whose customer is not in bronze (yet): recognised by the hash of the id
    select distinct subject_id_hash
    from erasure_requests
    where _row_status <> 'quarantined' and subject_id_hash is not null
),

line_summaries as (
    select
        _source_file,
        _file_sha256,
        _line_number,
        case when count(line_total) = count(*) then sum(line_total) end as lines_total
    from transaction_lines
    group by _source_file, _file_sha256, _line_number
),

line_error_summaries as (
    -- only the few rows with line errors (aggregating every line's empty list is slow)
    select
        _source_file,
        _file_sha256,
        _line_number,
        {{ flatten_agg('_line_errors', 'line_position') }} as line_errors
    from transaction_lines
    where {{ list_size('_line_errors') }} > 0
    group by _source_file, _file_sha256, _line_number
),

joined as (
    select
        transactions.*,
        {{ normalized_customer_id('transactions.customer_id') }} as customer_key,
        known_customers.customer_id is not null as is_known_customer,
        coalesce({{ json_array_size('transactions.purchases_products') }}, 0) as line_count,
        line_summaries.lines_total,
        coalesce(line_error_summaries.line_errors, {{ empty_string_list() }}) as line_errors,
        erased_ids.customer_id is not null
        or erased_id_hashes.subject_id_hash is not null
        or coalesce(transactions._erased, false) as is_erased
    from transactions
    left join known_customers
        on {{ normalized_customer_id('transactions.customer_id') }} = known_customers.customer_id
    left join erased_ids
        on {{ normalized_customer_id('transactions.customer_id') }} = erased_ids.customer_id
    left join erased_id_hashes
        -- hashed only when the customer is unknown: erased_ids covers the known ones
        on
            case
                when known_customers.customer_id is null
                    then {{ salted_hash(normalized_customer_id('transactions.customer_id')) }}
            end = erased_id_hashes.subject_id_hash
    left join line_summaries
        on
            transactions._source_file = line_summaries._source_file
            and transactions._file_sha256 = line_summaries._file_sha256
            and transactions._line_number = line_summaries._line_number
    left join line_error_summaries
        on
            transactions._source_file = line_error_summaries._source_file
            and transactions._file_sha256 = line_error_summaries._file_sha256
            and transactions._line_number = line_error_summaries._line_number
),

validated as (
    select
        *,
        {{ record_errors(
            transaction_rules(), 'is_erased', erasure_personal_fields('transactions'),
            extra_errors='line_errors'
        ) }} as _errors
    from joined
),

ranked as (
    -- de-duplication: the latest valid version of each transaction id
    select
        *,
        {{ list_size('_errors') }} = 0 as _is_valid,
        row_number() over (
            partition by {{ list_size('_errors') }} = 0, lower(trim(transaction_id))
            order by {{ latest_version_first() }}
        ) as _version_rank
    from validated
),

final as (
    select
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
        {{ row_status('_is_valid', '_version_rank') }} as _row_status,
        _errors,
        is_erased,
        lower(trim(transaction_id)) as transaction_id,
        transaction_time,
        customer_key as customer_id,
        {{ erased_as_null("nullif(trim(delivery_address_address), '')") }} as delivery_address,
        {{ erased_as_null("nullif(trim(delivery_address_postcode), '')") }} as delivery_postcode,
        {{ erased_as_null("nullif(trim(delivery_address_city), '')") }} as delivery_city,
        nullif(trim(delivery_address_country), '') as delivery_country,
        purchases_total_cost as total_cost,
        line_count,
        case when not _is_valid and not is_erased then record end as record
    from ranked
)

select * from final
