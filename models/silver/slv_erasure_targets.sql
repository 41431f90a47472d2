{#-
    The erasure finaliser's work list (medallion/erasure.py): every bronze row of an erasure
    subject that still holds personal data, with the record to write in its place. Rows already
    rewritten drop out (the rewrite is idempotent), so the list is empty once bronze is erased.
      erasure_requests  {"_erased_subject": {"id_hash", "email_hash"}}: the hashes of what the
                        request names (the customer it resolves to is found again by them)
      customers         personal fields (erasure_personal_fields) null, "_erased": true,
                        "_erased_errors": the errors those fields had ('|'-delimited), and
                        "_erased_email_hash": the email's salted hash
      transactions      delivery_address address, postcode and city null, "_erased": true
    Customer and transaction rows are compared only where they may still hold personal data
    (macros/erasure_scope.sql): every row of the ids erased since the last finalised build
    (int_erased_customers__listed), and the rows of newer loads; every row when there is no
    such build.
    The customer and transaction records come from DuckDB macros this model's pre-hook creates
    (macros/erasure_records.sql), which the landing ingest uses too: new lines of subjects
    erased earlier arrive anonymized, equal to what this list would write, so they are not listed.
    Rows that came from a topic name its bronze table (kafka_<entity>) and carry the message's
    topic, partition and offset, by which the finaliser finds them; the streams' own lists
    (int_orders_cdc__erasure_targets, int_clickstream__erasure_targets: customer id null,
    "_erased": true) join them.
    DuckDB only (the finaliser rewrites the DuckDB warehouse).
-#}
{{ config(
    enabled=target_is('duckdb'),
    pre_hook="{{ create_erasure_record_macros() }}",
) }}

with bronze_customers as (
    -- the customer lines with the fields that identify them, parsed (not all fields)
    select * from {{ ref('brz_customer_keys') }}
),

bronze_transactions as (
    select * from {{ ref('brz_transactions') }}
),

bronze_erasure_requests as (
    select * from {{ ref('brz_erasure_requests') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

listed_customers as (
    select * from {{ ref('int_erased_customers__listed') }}
),

checked_transactions as (
    select * from {{ ref('int_transactions__checked') }}
),

checked_erasure_requests as (
    select * from {{ ref('int_erasure_requests__checked') }}
),

orders_cdc_targets as (
    select * from {{ ref('int_orders_cdc__erasure_targets') }}
),

clickstream_targets as (
    select * from {{ ref('int_clickstream__erasure_targets') }}
),

erased_ids as (
    select distinct customer_id from erased_customers
),

erased_transactions as (
    select * from checked_transactions
    where is_erased
),

finalised_ids as (
    -- the ids the finalised build erased: listed no later than its last load
    select customer_id
    from listed_customers
    where
        customer_id is not null
        and not coalesce({{ after_finalised_load('listed_through_load_id') }}, true)
),

unfinalised_ids as (
    -- the ids erased since
    select erased.customer_id
    from (
        select erased_ids.customer_id from erased_ids
        union
        select erased_transactions.customer_id from erased_transactions
    ) as erased
    where erased.customer_id not in (select finalised_ids.customer_id from finalised_ids)
),

customer_rows as (
    -- every row of the ids erased since the finalised build, and the rows of newer loads;
    -- one pass over bronze (a CTE read twice is materialized whole)
    select bronze_customers.*
    from bronze_customers
    inner join erased_ids
        on {{ normalized_customer_id('bronze_customers.id') }} = erased_ids.customer_id
    where
        {{ after_finalised_load('bronze_customers._dlt_load_id') }}
        or erased_ids.customer_id in (select unfinalised_ids.customer_id from unfinalised_ids)
),

transactions_to_compare as (
    -- the same for transactions; one erased without a customer id (only the "_erased" marker
    -- makes it so) is always compared
    select
        _source_file,
        _file_sha256,
        _line_number,
        _dlt_load_id
    from erased_transactions
    where
        {{ after_finalised_load('_dlt_load_id') }}
        or customer_id is null
        or customer_id in (select unfinalised_ids.customer_id from unfinalised_ids)
),

transaction_rows as (
    -- matched on the load too: the join passes the range of loads to the bronze scan, which
    -- then skips the row groups of older loads
    select bronze_transactions.*
    from bronze_transactions
    inner join transactions_to_compare
        on
            bronze_transactions._dlt_load_id = transactions_to_compare._dlt_load_id
            and {{ lineage_match('bronze_transactions', 'transactions_to_compare') }}
),

customer_targets as (
    select
        {{ bronze_table_of('customers', '_source_type') }} as bronze_table,
        _source_file,
        _file_sha256,
        _line_number,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        record,
        {{ erasure_record('erasure_anonymized_customer', 'record') }} as anonymized_record
    from customer_rows
    where _is_valid_json
),

transaction_targets as (
    select
        {{ bronze_table_of('transactions', '_source_type') }} as bronze_table,
        _source_file,
        _file_sha256,
        _line_number,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        record,
        {{ erasure_record('erasure_anonymized_transaction', 'record') }} as anonymized_record
    from transaction_rows
    where _is_valid_json
),

request_targets as (
    select
        {{ bronze_table_of('erasure_requests', 'bronze_erasure_requests._source_type') }}
            as bronze_table,
        bronze_erasure_requests._source_file,
        bronze_erasure_requests._file_sha256,
        bronze_erasure_requests._line_number,
        bronze_erasure_requests._kafka_topic,
        bronze_erasure_requests._kafka_partition,
        bronze_erasure_requests._kafka_offset,
        bronze_erasure_requests.record,
        {{ json_object_of([
            ('_erased_subject', json_object_of([
                ('id_hash', 'checked_erasure_requests.request_id_hash'),
                ('email_hash', 'checked_erasure_requests.request_email_hash'),
            ])),
        ]) }} as anonymized_record
    from bronze_erasure_requests
    inner join checked_erasure_requests
        on {{ lineage_match('bronze_erasure_requests', 'checked_erasure_requests') }}
    where checked_erasure_requests._row_status <> 'quarantined'
),

targets as (
    select * from customer_targets
    union all
    select * from transaction_targets
    union all
    select * from request_targets
),

entity_targets as (
    select
        bronze_table,
        _source_file,
        _file_sha256,
        _line_number,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        anonymized_record
    from targets
    where record <> anonymized_record
),

stream_targets as (
    -- the stream models list only messages still to rewrite; they take the bronze key here
    select
        bronze_table,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        anonymized_record
    from orders_cdc_targets
    union all
    select
        bronze_table,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        anonymized_record
    from clickstream_targets
),

final as (
    select * from entity_targets
    union all
    select
        bronze_table,
        'kafka:' || _kafka_topic || '/' || cast(_kafka_partition as {{ sql_type('text') }})
            as _source_file,
        'kafka' as _file_sha256,
        _kafka_offset as _line_number,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        anonymized_record
    from stream_targets
)

select * from final
