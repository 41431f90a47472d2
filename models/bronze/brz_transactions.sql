{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['_source_file', '_file_sha256', '_line_number'],
    on_schema_change='fail',
) }}

{#-
    One row per bronze transactions line; every field typed (see macros/bronze.sql). The largest
    entity, so its JSON is parsed once, here, into a table that silver reads (a view would be
    parsed again by every model that reads it).
    Erasure: the row of an erased subject holds what the erasure finaliser writes into bronze
    (delivery address, postcode and city null, "_erased": true; macros/erasure.sql), so this
    table never keeps personal data that bronze loses; slv_erasure_targets lists the bronze lines
    still to rewrite to match it.
    Incremental (macros/incremental.sql): parses the lines of new dlt loads, and re-parses the
    stored rows of customers who became erased since (their lines are picked from bronze by
    lineage before any JSON is parsed).
-#}
{%- set fields = [
    {'path': 'transaction_id', 'type': 'text'},
    {'path': 'transaction_time', 'type': 'timestamp'},
    {'path': 'customer_id', 'type': 'text'},
    {'path': 'delivery_address', 'type': 'object'},
    {'path': 'delivery_address.address', 'type': 'text'},
    {'path': 'delivery_address.postcode', 'type': 'text'},
    {'path': 'delivery_address.city', 'type': 'text'},
    {'path': 'delivery_address.country', 'type': 'text'},
    {'path': 'purchases', 'type': 'object'},
    {'path': 'purchases.products', 'type': 'array'},
    {'path': 'purchases.total_cost', 'type': 'money'},
    {'path': '_erased', 'type': 'boolean'},
] -%}

with source as (
    select * from {{ bronze_lineage_rows('transactions', 'kafka_transactions') }}
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

{% if is_incremental() %}
    stored as (
        select * from {{ this }}
    ),

    newly_erased as (
        -- stored rows not yet anonymized whose customer is erased now
        select
            _source_file,
            _file_sha256,
            _line_number
        from stored
        where
            not coalesce(_erased, false)
            and (
                {{ normalized_customer_id('customer_id') }} in (
                    select erased_ids.customer_id from erased_ids
                )
                or (
                    {{ normalized_customer_id('customer_id') }} not in (
                        select known_customers.customer_id from known_customers
                    )
                    and {{ salted_hash(normalized_customer_id('customer_id')) }} in (
                        select erased_id_hashes.subject_id_hash from erased_id_hashes
                    )
                )
            )
    ),

    new_lines as (
        -- a constant filter on a bronze column: only the new lines are read
        select * from source
        where _dlt_load_id > {{ load_watermark() }}
    ),

    reopened_lines as (
        select source.*
        from source
        inner join newly_erased
            on
                source._source_file = newly_erased._source_file
                and source._file_sha256 = newly_erased._file_sha256
                and source._line_number = newly_erased._line_number
    ),

    scoped as (
        select * from new_lines
        union all
        select * from reopened_lines
    ),

{% else %}
    scoped as (
        select * from source
    ),

{% endif %}
valid_records as (
    -- JSON functions fail on invalid text even behind a condition: give them valid JSON only
    select
        *,
        case when _is_valid_json then record end as valid_record
    from scoped
),

subjects as (
    -- the customer id as the typed column will hold it (a JSON string, else null)
    select
        *,
        {{ normalized_customer_id(
            "case when " ~ list_item(json_types('valid_record', ['customer_id']), 1)
            ~ " = 'string' then " ~ list_item(json_texts('valid_record', ['customer_id']), 1)
            ~ " end"
        ) }} as subject_customer_id
    from valid_records
),

flagged as (
    select
        subjects.*,
        erased_ids.customer_id is not null
        or erased_id_hashes.subject_id_hash is not null as is_erased_subject
    from subjects
    left join known_customers
        on subjects.subject_customer_id = known_customers.customer_id
    left join erased_ids
        on subjects.subject_customer_id = erased_ids.customer_id
    left join erased_id_hashes
        -- hashed only when the customer is unknown: erased_ids covers the known ones
        on
            case
                when known_customers.customer_id is null
                    then {{ salted_hash('subjects.subject_customer_id') }}
            end = erased_id_hashes.subject_id_hash
),

anonymized as (
    select
        _source_type,
        _source_file,
        _partition_date,
        _partition_hour,
        _line_number,
        _file_sha256,
        _ingested_at,
        _dlt_load_id,
        _is_valid_json,
        _line_error,
        case
            when is_erased_subject and _is_valid_json
                then cast(
                    {{ json_with_nulls('record', erasure_personal_fields('transactions')) }}
                    as {{ sql_type('text') }}
                )
            else record
        end as record,
        _kafka_topic,
        _kafka_partition,
        _kafka_offset,
        _kafka_timestamp,
        _kafka_key
    from flagged
),

{{ bronze_parse_ctes('anonymized', fields, output_cte='typed') }},

final as (
    select
        *,
        {{ batch_marker() }} as _batch_at
    from typed
)

select * from final
