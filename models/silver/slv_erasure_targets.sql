{#-
    The erasure finaliser's work list (medallion/erasure.py): every bronze row of an erasure
    subject that still holds personal data, with the record to write in its place. Rows already
    rewritten drop out (the rewrite is idempotent), so the list is empty once bronze is erased.
      erasure_requests  {"_erased_subject": {"id_hash", "email_hash"}}: the subject's hashes
      customers         personal fields (erasure_personal_fields) null, "_erased": true, and
                        "_erased_errors": the errors those fields had ('|'-delimited)
      transactions      delivery_address address, postcode and city null, "_erased": true
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
    select * from {{ ref('brz_customers') }}
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

customer_targets as (
    select
        {{ bronze_table_of('customers', 'bronze_customers._source_type') }} as bronze_table,
        bronze_customers._source_file,
        bronze_customers._file_sha256,
        bronze_customers._line_number,
        bronze_customers._kafka_topic,
        bronze_customers._kafka_partition,
        bronze_customers._kafka_offset,
        bronze_customers.record,
        {{ erasure_record('erasure_anonymized_customer', 'bronze_customers.record') }}
            as anonymized_record
    from bronze_customers
    inner join erased_ids
        on {{ normalized_customer_id('bronze_customers.id') }} = erased_ids.customer_id
    where bronze_customers._is_valid_json
),

transaction_targets as (
    select
        {{ bronze_table_of('transactions', 'bronze_transactions._source_type') }} as bronze_table,
        bronze_transactions._source_file,
        bronze_transactions._file_sha256,
        bronze_transactions._line_number,
        bronze_transactions._kafka_topic,
        bronze_transactions._kafka_partition,
        bronze_transactions._kafka_offset,
        bronze_transactions.record,
        {{ erasure_record('erasure_anonymized_transaction', 'bronze_transactions.record') }}
            as anonymized_record
    from bronze_transactions
    inner join checked_transactions
        on {{ lineage_match('bronze_transactions', 'checked_transactions') }}
    where bronze_transactions._is_valid_json and checked_transactions.is_erased
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
                ('id_hash', 'checked_erasure_requests.subject_id_hash'),
                ('email_hash', 'checked_erasure_requests.subject_email_hash'),
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
