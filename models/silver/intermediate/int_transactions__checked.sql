{{ config(
    materialized='incremental',
    unique_key=['_source_file', '_file_sha256', '_line_number'],
    pre_hook="{{ pin_join_sides() if is_incremental() else 'select 1' }}",
    post_hook="{{ unpin_join_sides() }}",
) }}

{#-
    Every bronze transactions row, validated (its own rules and its lines'), erasure applied and
    classified (quarantined / current / duplicate): the single pass that slv_transactions, its
    quarantine, the lines, the reconciliation and the erasure audit read. Delivery address,
    postcode and city of erased subjects are already null here.
    Incremental (macros/incremental.sql), keyed by the bronze row. Affected transaction ids:
    those of new bronze rows, of rows whose lines were re-derived (a product became known), of
    rows whose customer became known (in bronze customers) and of rows whose customer became
    erased (by id, or by the id hash for a customer not in bronze); every bronze row of an
    affected id is re-ranked. Rows without an id are re-checked on their own.
-#}

-- all_transactions: read by the full build only (an incremental run parses affected rows)
with all_transactions as ( -- noqa: ST03
    select * from {{ ref('brz_transactions') }}
),

transaction_lines as (
    select * from {{ ref('int_transaction_lines') }}
),

customers as (
    select * from {{ ref('brz_customer_keys') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

erasure_requests as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_transactions as (
        select * from {{ ref('brz_transactions') }}
        where _dlt_load_id > {{ load_watermark() }}
    ),

    rederived_lines as (
        select * from {{ ref('int_transaction_lines') }}
        where _batch_at > {{ batch_watermark() }}
    ),

    previous as (
        select * from {{ this }}
    ),

    previous_ids as (
        select * from {{ this }}
    ),

{% endif %}
customer_flags as (
    -- one row per bronze customer id, flagged when erased (every erased id is a bronze one);
    -- a semi-join, so the planner sees at most one row per customer and keeps the wide
    -- transactions rows on the probe side of the join below
    select
        {{ normalized_customer_id('id') }} as customer_id,
        {{ normalized_customer_id('id') }} in (
            select erased_customers.customer_id from erased_customers
        ) as is_erased_customer
    from customers
    group by {{ normalized_customer_id('id') }}
    {{ having_customer_id('id') }}
),

erased_id_hashes as (
    -- subjects whose customer is not in bronze (yet): recognised by the hash of the id
    select distinct subject_id_hash
    from erasure_requests
    where _row_status <> 'quarantined' and subject_id_hash is not null
),

{% if is_incremental() %}
    new_rows as (
        select
            _source_file,
            _file_sha256,
            _line_number,
            lower(trim(transaction_id)) as transaction_id
        from new_transactions
    ),

    rederived_rows as (
        select distinct
            _source_file,
            _file_sha256,
            _line_number
        from rederived_lines
    ),

    reopened as (
    -- stored rows whose outside facts changed; each can only change one way. One left join and
    -- filters: DuckDB estimates this at a fraction of the stored rows, while an inner join on
    -- the lineage columns is estimated at hundreds of millions, which turns the joins with
    -- bronze below around (bronze on the build side: every bronze row parsed)
        select
            previous._source_file,
            previous._file_sha256,
            previous._line_number,
            previous.transaction_id
        from previous
        left join rederived_rows
            on {{ lineage_match('previous', 'rederived_rows') }}
        where
            rederived_rows._line_number is not null
            or (
                not previous.is_known_customer
                and previous.customer_id in (select customer_flags.customer_id from customer_flags)
            )
            or (
                not previous.is_erased
                and previous.customer_id in (
                    select customer_flags.customer_id from customer_flags
                    where customer_flags.is_erased_customer
                )
            )
            -- hashed only where it can matter: hashing every stored id took ~10 s at 10M
            or case
                when not previous.is_erased and not previous.is_known_customer
                    then {{ salted_hash('previous.customer_id') }}
            end in (select erased_id_hashes.subject_id_hash from erased_id_hashes)
    ),

    affected_ids as (
        select transaction_id from new_rows
        where transaction_id is not null
        union
        select transaction_id from reopened
        where transaction_id is not null
    ),

    affected_rows as (
    -- every stored row of an affected id, the new rows, and reopened rows without an id
        select
            previous_ids._source_file,
            previous_ids._file_sha256,
            previous_ids._line_number
        from previous_ids
        inner join affected_ids
            on previous_ids.transaction_id = affected_ids.transaction_id
        union
        select
            _source_file,
            _file_sha256,
            _line_number
        from new_rows
        union
        select
            _source_file,
            _file_sha256,
            _line_number
        from reopened
        where transaction_id is null
    ),

{% endif %}
transactions as (
    {%- if not is_incremental() %}
        select * from all_transactions
    {%- else %}
    -- the affected rows alone are read and parsed (the bronze view would parse every row
    -- before a join with them): the bronze model's own SQL, scoped (macros/bronze.sql)
    {{ bronze_model(
        'transactions', bronze_fields('transactions'), kafka_table='kafka_transactions',
        unknown_fields=false, only_rows='affected_rows'
    ) | indent(4) }}
    {%- endif %}
),

scoped_lines as (
    select transaction_lines.*
    from
        transaction_lines
    {%- if is_incremental() %}
    inner join affected_rows
        on {{ lineage_match('transaction_lines', 'affected_rows') }}
    {%- endif %}
),

line_summaries as (
    -- one pass over the lines, keyed by the file hash and line number (macros/lineage.sql)
    select
        {{ lineage_file_hash('scoped_lines') }} as _file_hash,
        scoped_lines._line_number,
        case
            when count(scoped_lines.line_total) = count(*) then sum(scoped_lines.line_total)
        end as lines_total,
        -- only the few rows with line errors are collected
        {{ flatten_agg(
            'scoped_lines._line_errors', 'scoped_lines.line_position',
            only_when=list_size('scoped_lines._line_errors') ~ ' > 0'
        ) }} as line_errors
    from scoped_lines
    group by {{ lineage_file_hash('scoped_lines') }}, scoped_lines._line_number
),

joined as (
    select
        transactions.*,
        {{ normalized_customer_id('transactions.customer_id') }} as customer_key,
        customer_flags.customer_id is not null as is_known_customer,
        coalesce({{ json_array_size('transactions.purchases_products') }}, 0) as line_count,
        line_summaries.lines_total,
        coalesce(line_summaries.line_errors, {{ empty_string_list() }}) as line_errors,
        coalesce(customer_flags.is_erased_customer, false)
        or erased_id_hashes.subject_id_hash is not null
        or coalesce(transactions._erased, false) as is_erased
    from transactions
    left join customer_flags
        on {{ normalized_customer_id('transactions.customer_id') }} = customer_flags.customer_id
    left join erased_id_hashes
        -- hashed only when the customer is unknown: customer_flags covers the known ones
        on
            case
                when customer_flags.customer_id is null
                    then {{ salted_hash(normalized_customer_id('transactions.customer_id')) }}
            end = erased_id_hashes.subject_id_hash
    left join line_summaries
        on {{ lineage_match('transactions', 'line_summaries', right_hashed=true) }}
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

checked as (
    -- the output columns: the raw bronze columns (and the record of valid rows) stay out of
    -- the window below
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
        {{ list_size('_errors') }} = 0 as _is_valid,
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
        case when {{ list_size('_errors') }} > 0 and not is_erased then record end as record,
        is_known_customer,
        _dlt_load_id
    from validated
),

ranked as (
    -- de-duplication: the latest valid version of each transaction id (a window by hash
    -- buckets: one by transaction id ran out of memory in a full build, macros/dedup.sql)
    select
        *,
        {{ latest_version_rank(['_is_valid', 'transaction_id']) }} as _version_rank
    from checked
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
        transaction_id,
        transaction_time,
        customer_id,
        delivery_address,
        delivery_postcode,
        delivery_city,
        delivery_country,
        total_cost,
        line_count,
        record,
        is_known_customer,
        _dlt_load_id,
        {{ batch_marker() }} as _batch_at
    from ranked
)

select * from final
