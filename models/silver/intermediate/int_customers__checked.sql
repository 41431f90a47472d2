{{ config(
    materialized='incremental',
    unique_key=['_source_file', '_file_sha256', '_line_number'],
) }}

{#-
    Every bronze customers row, validated, erasure applied and classified (quarantined / current /
    duplicate): the single pass that slv_customers, its quarantine, the reconciliation and the
    erasure audit read. Personal fields of erased subjects are already null here. Rows are
    validated on their original fields; once the finaliser has erased a bronze row, the errors
    its personal fields had are read from the record's `_erased_errors`, so an erased customer
    stays valid or quarantined exactly as before (and a stored row equals its re-check).
    Incremental (macros/incremental.sql), keyed by the bronze row. Affected customer ids: those
    of new bronze rows and of stored rows whose customer became erased; every bronze row of an
    affected id is re-checked and re-ranked. New rows without an id are checked on their own.
-#}

-- depends_on: {{ ref('brz_customer_keys') }}
-- all_customers: read by the full build only (an incremental run parses affected rows)
with all_customers as ( -- noqa: ST03
    select * from {{ ref('brz_customers') }}
),

erased_customers as (
    select * from {{ ref('int_erased_customers') }}
),

{% if is_incremental() %}
    -- one import per use, never one CTE read twice (macros/incremental.sql)
    new_customers as (
        select * from {{ ref('brz_customer_keys') }}
        where _dlt_load_id > {{ load_watermark() }}
    ),

    previous as (
        select * from {{ this }}
    ),

    previous_ids as (
        select * from {{ this }}
    ),

    affected_ids as (
        select {{ normalized_customer_id('new_customers.id') }} as customer_id
        from new_customers
        where {{ normalized_customer_id('new_customers.id') }} is not null
        union
        -- stored customers erased since: their personal fields go
        select previous.customer_id
        from previous
        where
            not previous.is_erased
            and previous.customer_id in (
                select erased_customers.customer_id from erased_customers
            )
    ),

    affected_rows as (
        -- every stored row of an affected id, and the new rows
        select
            previous_ids._source_file,
            previous_ids._file_sha256,
            previous_ids._line_number
        from previous_ids
        inner join affected_ids
            on previous_ids.customer_id = affected_ids.customer_id
        union
        select
            new_customers._source_file,
            new_customers._file_sha256,
            new_customers._line_number
        from new_customers
    ),

{% endif %}
customers as (
    {%- if not is_incremental() %}
        select * from all_customers
    {%- else %}
    -- the affected rows alone are read and parsed (the bronze view would parse every row
    -- before a join with them): the bronze model's own SQL, scoped (macros/bronze.sql)
    {{ bronze_model(
        'customers', bronze_fields('customers'), kafka_table='kafka_customers',
        unknown_fields=false, only_rows='affected_rows'
    ) | indent(4) }}
    {%- endif %}
),

flagged as (
    -- a semi-join on the erased ids: the wide customers rows are never put in a hash table
    select
        *,
        {{ normalized_customer_id('id') }} as customer_id,
        coalesce({{ normalized_customer_id('id') }} in (
            select erased_customers.customer_id from erased_customers
        ), false)
        or coalesce(_erased, false) as is_erased
    from customers
),

validated as (
    select
        *,
        {{ record_errors(
            customer_rules(),
            'coalesce(_erased, false)',
            erasure_personal_fields('customers'),
            stored_errors="coalesce(_erased_errors, '')",
        ) }} as _errors
    from flagged
),

ranked as (
    -- de-duplication: the latest valid version of each customer id
    select
        *,
        {{ list_size('_errors') }} = 0 as _is_valid,
        row_number() over (
            partition by {{ list_size('_errors') }} = 0, customer_id
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
        customer_id,
        {{ erased_as_null("nullif(trim(first_name), '')") }} as first_name,
        {{ erased_as_null("nullif(trim(last_name), '')") }} as last_name,
        {{ erased_as_null(normalized_email('email')) }} as email,
        {{ erased_as_null("nullif(trim(phone_number), '')") }} as phone_number,
        {{ erased_as_null('date_of_birth') }} as date_of_birth,
        {{ erased_as_null("nullif(trim(address), '')") }} as address,
        {{ erased_as_null("nullif(trim(postcode), '')") }} as postcode,
        {{ erased_as_null("nullif(trim(city), '')") }} as city,
        nullif(trim(country), '') as country,
        nullif(trim(segment), '') as segment,
        last_change,
        case when not _is_valid and not is_erased then record end as record,
        _dlt_load_id,
        {{ batch_marker() }} as _batch_at
    from ranked
)

select * from final
